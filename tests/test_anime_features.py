"""Tests of the packaged anime-face feature network and of how evaluation picks it."""

import os

import h5py
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan import config as config_lib
from tfgan import eval_lib
from tfgan import evaluation
from tfgan import quality
from conftest import policy

FACES = "/work/data/anime/faces"


@pytest.fixture(scope="module")
def extractor():
    return evaluation.anime_extractor()


def test_packaged_weights_are_small_float32_and_load_in_any_policy():
    path = evaluation.anime_features_weights_path()
    assert os.path.isfile(path) and os.path.getsize(path) < 3_000_000
    with h5py.File(path, "r") as f:
        dtypes = set()
        f.visititems(lambda name, obj: dtypes.add(obj.dtype) if isinstance(obj, h5py.Dataset)
                     else None)
    assert dtypes == {np.dtype("float32")}
    with policy("mixed_bfloat16"):  # as during mixed-precision training
        model = evaluation.anime_features_model()
    assert [o.shape[-1] for o in model.outputs] == [
        len(evaluation.ANIME_HAIR_COLOURS), len(evaluation.ANIME_EYE_COLOURS), 4,
        len(evaluation.ANIME_QUALITY_CLASSES)]
    assert model.get_layer("features").output.shape[-1] == 128
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.compute_dtype == "float32" and not model.trainable
    # Trained, not the random initialisation: the batch-norm statistics moved.
    assert not np.allclose(model.get_layer("bn1").moving_variance.numpy(), 1.0)


def test_missing_weights_name_the_script_that_rebuilds_them():
    with pytest.raises(FileNotFoundError, match="scripts/train_anime_features.py"):
        evaluation.anime_features_model("/nonexistent/anime_features.weights.h5")
    with pytest.raises(FileNotFoundError, match="train_anime_features"):
        evaluation.anime_extractor("/nonexistent/anime_features.weights.h5")


@pytest.mark.parametrize("size", [96, 64, 32])
def test_extractor_features_shape_dtype_and_determinism(extractor, size):
    rng = np.random.default_rng(size)
    images = rng.uniform(-1, 1, (5, size, size, 3)).astype(np.float32)
    features, logits = extractor(images)
    assert logits is None
    assert features.shape == (5, 128) and features.dtype == tf.float32
    assert np.all(np.isfinite(features)) and np.all(features.numpy() >= 0)  # post-ReLU
    again, _ = extractor(images)
    np.testing.assert_array_equal(features.numpy(), again.numpy())
    # Inference mode: an image's features do not depend on the rest of its batch.
    alone, _ = extractor(images[2:3])
    np.testing.assert_allclose(alone.numpy()[0], features.numpy()[2], rtol=1e-4, atol=1e-5)
    # Not a constant map.
    assert np.abs(features.numpy()[0] - features.numpy()[1]).max() > 1e-3


def test_extractor_resizes_like_the_network_input(extractor):
    # A 96x96 image gives the features of its bilinear antialiased 64x64 resize; uint8 in
    # [0, 255] is read as float in [-1, 1].
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, (3, 96, 96, 3), dtype=np.uint8)
    as_float = big.astype(np.float32) / 127.5 - 1.0
    small = tf.image.resize(as_float, (64, 64), method="bilinear", antialias=True)
    np.testing.assert_allclose(extractor(big)[0].numpy(), extractor(small)[0].numpy(),
                               rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(extractor(big)[0].numpy(), extractor(as_float)[0].numpy(),
                               rtol=1e-5, atol=1e-5)


def test_get_extractor_by_name():
    extractor = evaluation.get_extractor("anime")
    assert isinstance(extractor, evaluation.FeatureExtractor)
    assert (extractor.name, extractor.channels, extractor.image_size) == ("anime", 3, (64, 64))
    assert (extractor.feature_dim, extractor.num_classes) == (128, None)


def test_auto_picks_anime_for_rgb_and_mnist_for_grey():
    folder = config_lib.Config(dataset="folder", data_dir="", channels=3, image_size=96)
    assert folder.resolved_eval_extractor == "anime"
    assert config_lib.Config(dataset="mnist").resolved_eval_extractor == "mnist"
    assert config_lib.Config(eval_extractor="inception_v3",
                             channels=3).resolved_eval_extractor == "inception_v3"
    assert quality.resolve_extractor("auto", 3) == "anime"
    assert quality.resolve_extractor("auto", 1) == "mnist"
    assert quality.resolve_extractor("anime", 1) == "anime"
    with pytest.raises(ValueError, match="extractor must be one of"):
        quality.resolve_extractor("vgg", 3)


def _write_folder(path, count, size=24):
    path.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        # Image i is filled with the value 10 * i (red channel), so its index can be read back.
        image = np.zeros((size, size, 3), np.uint8)
        image[..., 0] = 10 * i
        image[..., 1:] = rng.integers(0, 256, (size, size, 2), dtype=np.uint8)
        Image.fromarray(image).save(path / f"{i:03d}.png")
    (path / "notes.txt").write_text("not an image")


def _indices(dataset):
    images = np.concatenate([b.numpy() for b in dataset])
    return [int(round((v + 1) * 127.5 / 10)) for v in images[:, 0, 0, 0]]


def test_folder_real_images_are_a_seeded_random_sample(tmp_path):
    _write_folder(tmp_path / "faces", 20)
    read = lambda seed: _indices(quality.real_images(  # noqa: E731
        "folder", data_dir=str(tmp_path / "faces"), image_size=16, channels=3,
        batch_size=8, seed=seed)[0])
    first = read(0)
    assert sorted(first) == list(range(20))  # every image once
    assert first != list(range(20))  # not in file-name order
    assert read(0) == first  # reproducible
    assert read(1) != first


def test_real_stats_of_a_folder_use_the_anime_features(tmp_path):
    _write_folder(tmp_path / "faces", 12)
    stats, description = quality.real_stats(
        evaluation.get_extractor(quality.resolve_extractor("auto", 3)), "folder",
        data_dir=str(tmp_path / "faces"), image_size=96, channels=3, num_samples=10,
        batch_size=4)
    assert stats.features.shape == (10, 128) and stats.logits is None
    assert "faces" in description


@pytest.mark.skipif(not os.path.isdir(FACES), reason=f"anime faces not found at {FACES}")
def test_features_separate_real_faces_from_blurred_and_shuffled_ones(extractor):
    # 600 real faces, split in two: the second half, blurred or with its 3x3 tiles shuffled,
    # is much farther (KID) from the first than the untouched second half.
    import sys  # pylint: disable=import-outside-toplevel
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
    import anime_features_check  # pylint: disable=import-outside-toplevel

    names = sorted(os.listdir(FACES))[:600]
    faces = np.stack([np.asarray(Image.open(os.path.join(FACES, n)).convert("RGB"))
                      for n in names]).astype(np.float32) / 127.5 - 1.0
    rows = {row["name"]: row for row in anime_features_check.check(
        extractor, faces[:300], faces[300:], kid_subsets=20, kid_subset_size=300,
        names=["real vs real", "real vs blurred real, sigma 2 px",
               "real vs 3x3 tile-shuffled real"])}
    floor = rows["real vs real"]
    for name in ("real vs blurred real, sigma 2 px", "real vs 3x3 tile-shuffled real"):
        assert rows[name]["kid"] > 10 * max(floor["kid"], floor["kid_std"]), (name, rows)
        assert rows[name]["fid"] > 5 * floor["fid"], (name, rows)


def test_eval_every_and_evaluate_model_on_an_rgb_folder_use_the_anime_features(tmp_path):
    # A tiny RGB folder run: --eval_extractor=auto resolves to the anime features for
    # --eval_every, and evaluate_model (bin/evaluate.py) scores against the folder itself.
    from absl import flags  # pylint: disable=import-outside-toplevel
    import json  # pylint: disable=import-outside-toplevel

    from tfgan import flags as tfgan_flags  # pylint: disable=import-outside-toplevel
    from tfgan import train_lib  # pylint: disable=import-outside-toplevel

    _write_folder(tmp_path / "faces", 16, size=16)
    flag_values = flags.FlagValues()
    tfgan_flags.define_flags(flag_values)
    flag_values(["train.py", "--flagfile=" + os.path.join(
        os.path.dirname(os.path.dirname(__file__)), "configs", "smoke.cfg")])
    config = tfgan_flags.config_from_flags(flag_values).replace(
        dataset="folder", data_dir=str(tmp_path / "faces"), channels=3, train_steps=10,
        eval_every=5, eval_samples=12)
    workdir = str(tmp_path / "run")
    train_lib.train_and_evaluate(config, workdir)
    with open(os.path.join(workdir, "best", "best.json")) as f:
        best = json.load(f)
    assert best["extractor"] == "anime" and best["num_real_samples"] == 16
    assert np.isfinite(best["fid"]) and best["inception_score"] is None

    result = eval_lib.evaluate_model(workdir, num_samples=12, kid_subsets=3,
                                     kid_subset_size=8, batch_size=6, write=False)
    assert result["extractor"] == "anime" and result["num_real_samples"] == 16
    assert str(tmp_path / "faces") in result["real"]
    assert np.isfinite(result["fid"]) and "inception_score" not in result
    assert "FID" in eval_lib.format_result(result)
