"""Tests for tfgan.data: MNIST (npz, IDX, tfds mock), image folders, synthetic data."""

import gzip
import logging
import struct
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from tfgan import data

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared/data/mnist/mnist.npz"
TOL = 3 / 127.5  # three grey levels (JPEG and antialiasing are not exact)


def first(ds):
    return next(iter(ds))


def all_images(ds):
    return np.concatenate([np.asarray(b[0] if isinstance(b, tuple) else b) for b in ds])


def check_images(images, batch, size, channels):
    assert images.dtype == tf.float32
    assert tuple(images.shape) == (batch, size, size, channels)
    values = np.asarray(images)
    assert values.min() >= -1.0 and values.max() <= 1.0


def write_idx(path, array):
    """Writes uint8 ``array`` as a gzipped IDX file (magic 0x0000080N, big-endian dims)."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim)
    header += b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


# --------------------------------------------------------------------------------------------
# MNIST
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def idx_dir(tmp_path_factory):
    """A directory holding the four IDX .gz files: 300 train and 100 test images."""
    root = tmp_path_factory.mktemp("idx")
    rng = np.random.default_rng(0)
    arrays = {}
    for split, prefix, n in (("train", "train", 300), ("test", "t10k", 100)):
        x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, n, dtype=np.uint8)
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", x)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", y)
        arrays[split] = (x, y)
    return root, arrays


def test_mnist_from_shared_npz():
    if not SHARED_MNIST.is_file():
        pytest.skip(f"shared MNIST copy not found at {SHARED_MNIST} (see shared/data/mnist)")
    with np.load(SHARED_MNIST) as f:
        x, y = f["x_train"][:32], f["y_train"][:32]
    ds = data.mnist(batch_size=32, with_labels=True, data_dir=SHARED_MNIST, shuffle=False)
    images, labels = first(ds)
    check_images(images, 32, 28, 1)
    assert labels.dtype == tf.int32 and labels.shape == (32,)
    np.testing.assert_array_equal(labels, y)
    np.testing.assert_array_equal(images[0, ..., 0], x[0].astype(np.float32) / 127.5 - 1.0)
    # The seed code's 32x32, from the directory holding mnist.npz, test split.
    images = first(data.mnist("test", batch_size=16, image_size=32,
                              data_dir=SHARED_MNIST.parent, seed=0))
    check_images(images, 16, 32, 1)


def test_mnist_from_idx_files(idx_dir):
    root, arrays = idx_dir
    for split in ("train", "test"):
        x, y = arrays[split]
        ds = data.mnist(split, batch_size=50, with_labels=True, data_dir=root, shuffle=False)
        batches = list(ds)
        assert len(batches) == len(x) // 50
        images, labels = batches[0]
        check_images(images, 50, 28, 1)
        np.testing.assert_array_equal(images[..., 0], x[:50].astype(np.float32) / 127.5 - 1)
        np.testing.assert_array_equal(labels, y[:50])
        assert set(np.concatenate([b[1] for b in batches])) <= set(range(10))
    check_images(first(data.mnist(batch_size=8, image_size=64, data_dir=root)), 8, 64, 1)


def test_mnist_tfds_path_under_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=20):
        ds = data.mnist(batch_size=8, image_size=32, with_labels=True, seed=1)
        batches = list(ds)
    assert len(batches) == 2  # 20 // 8, remainder dropped
    images, labels = batches[0]
    check_images(images, 8, 32, 1)
    assert labels.dtype == tf.int32 and np.all((labels >= 0) & (labels <= 9))


def test_mnist_offline_error_names_data_dir(monkeypatch):
    tfds = pytest.importorskip("tensorflow_datasets")

    def not_prepared(*args, **kwargs):
        raise AssertionError("Dataset mnist: could not find data")

    monkeypatch.setattr(tfds, "load", not_prepared)
    monkeypatch.setattr(data, "_can_reach", lambda *a, **k: False)
    with pytest.raises(FileNotFoundError, match="could not.*download") as err:
        data.mnist()
    assert "--data_dir" in str(err.value) and "mnist.npz" in str(err.value)
    # Reachable host but the download itself fails: same advice.
    monkeypatch.setattr(data, "_can_reach", lambda *a, **k: True)
    with pytest.raises(FileNotFoundError, match="--data_dir"):
        data.mnist()


def test_mnist_bad_data_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match="data_dir"):
        data.mnist(data_dir=tmp_path / "nope")
    with pytest.raises(FileNotFoundError, match="mnist.npz"):
        data.mnist(data_dir=tmp_path)  # exists, but holds no MNIST files


# --------------------------------------------------------------------------------------------
# Image folders
# --------------------------------------------------------------------------------------------

# (relative path, PIL mode, (width, height), colour as PIL gets it, expected RGB after decode)
FOLDER_IMAGES = [
    ("cats/a.png", "L", (30, 40), 200, (200, 200, 200)),
    ("cats/b.jpg", "RGB", (64, 48), (0, 0, 255), (0, 0, 255)),
    ("cats/sub/c.bmp", "RGB", (33, 33), (0, 255, 0), (0, 255, 0)),
    ("dogs/d.png", "RGBA", (50, 70), (255, 0, 0, 0), (255, 0, 0)),  # alpha dropped
    ("dogs/e.gif", "P", (20, 28), (255, 255, 0), (255, 255, 0)),  # first of two frames
    ("loose.png", "RGB", (17, 90), (10, 20, 30), (10, 20, 30)),  # no class subfolder
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Mixed formats, sizes and modes; one truncated JPEG; class subfolders; decoys."""
    root = tmp_path_factory.mktemp("images")
    for rel, mode, size, colour, _ in FOLDER_IMAGES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith(".gif"):
            frames = [Image.new("RGB", size, c).convert("P") for c in (colour, (0, 255, 255))]
            frames[0].save(path, save_all=True, append_images=frames[1:])
        else:
            Image.new(mode, size, colour).save(path)
    # Truncated JPEG: PIL's verify() accepts it, TensorFlow's decoder does not.
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(root / "dogs/broken.jpg")
    payload = (root / "dogs/broken.jpg").read_bytes()
    (root / "dogs/broken.jpg").write_bytes(payload[: len(payload) // 2])
    (root / ".hidden").mkdir()
    Image.new("RGB", (8, 8)).save(root / ".hidden/ignored.png")
    (root / "notes.txt").write_text("not an image")
    (root / "empty_class").mkdir()
    return root


def test_image_folder_scan_skips_and_reports_corrupt_file(folder, caplog):
    with caplog.at_level(logging.WARNING, logger="tfgan.image_files"):
        index = data.scan_image_folder(folder)
    broken = str(folder / "dogs/broken.jpg")
    assert index.skipped == [broken]
    assert len(index) == len(FOLDER_IMAGES)
    assert broken in caplog.text and caplog.text.count(broken) == 1
    assert index.labels is None and index.class_names == []
    # Without the scan-time check, ignore_errors drops the file at run time: no crash either.
    ds = data.image_folder(folder, batch_size=4, image_size=8, validate=False,
                           drop_remainder=False)
    assert sum(len(batch) for batch in ds) == len(FOLDER_IMAGES)


def test_image_folder_modes_sizes_and_iteration(folder, caplog):
    with caplog.at_level(logging.WARNING, logger="tfgan.image_files"):
        ds = data.image_folder(folder, batch_size=2, image_size=24, shuffle=False)
        batches = list(ds)  # iteration completes despite the corrupt file
    assert len(batches) == len(FOLDER_IMAGES) // 2
    assert caplog.text.count("broken.jpg") == 1  # reported once, at scan time
    for images in batches:
        check_images(images, 2, 24, 3)
    images = np.concatenate(batches)
    order = sorted(FOLDER_IMAGES, key=lambda e: str(folder / e[0]))
    for image, (rel, *_, rgb) in zip(images, order):
        expected = np.asarray(rgb, np.float32) / 127.5 - 1
        np.testing.assert_allclose(image.mean(axis=(0, 1)), expected, atol=TOL, err_msg=rel)


def test_image_folder_labels_from_subfolders(folder, caplog):
    assert data.class_names(folder) == ["cats", "dogs"]  # empty_class, .hidden left out
    with caplog.at_level(logging.WARNING, logger="tfgan.image_files"):
        ds = data.image_folder(folder, batch_size=5, image_size=8, with_labels=True,
                               shuffle=False)
    assert "loose" not in str(data.scan_image_folder(folder, with_labels=True).paths)
    assert "ignoring 1 image files directly in" in caplog.text
    images, labels = first(ds)
    check_images(images, 5, 8, 3)
    assert labels.dtype == tf.int32
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1])


def test_image_folder_grayscale(folder):
    images = np.concatenate(list(data.image_folder(folder, batch_size=3, image_size=16,
                                                   channels=1, shuffle=False)))
    check_images(images, 6, 16, 1)
    red = next(i for i, e in enumerate(sorted(FOLDER_IMAGES, key=lambda e: str(folder / e[0])))
               if e[0] == "dogs/d.png")
    expected = np.round(255 * 0.2989) / 127.5 - 1  # tf.image.rgb_to_grayscale of pure red
    np.testing.assert_allclose(images[red], expected, atol=TOL)


def test_resize_shorter_side_then_center_crop(tmp_path):
    """Matches torchvision's Resize(size) + CenterCrop(size) on PIL images (the seed's)."""
    rng = np.random.default_rng(1)
    source = Image.fromarray(rng.integers(0, 256, (9, 15, 3), dtype=np.uint8)).resize(
        (150, 90), Image.BICUBIC)  # smooth 90x150 (h x w) image
    source.save(tmp_path / "wide.png")
    size = 32
    expected = source.resize((int(size * 150 / 90), size), Image.BILINEAR)  # w=53, h=32
    left = int(round((expected.width - size) / 2.0))
    expected = np.asarray(expected.crop((left, 0, left + size, size)), np.float32)
    image = first(data.image_folder(tmp_path, batch_size=1, image_size=size))[0]
    diff = np.abs((np.asarray(image) + 1) * 127.5 - expected)
    assert diff.mean() < 0.5 and diff.max() <= 2  # TF and PIL round differently


def test_image_folder_cache_memory_and_file(folder, tmp_path):
    kwargs = dict(batch_size=2, image_size=8, seed=3, repeat=True)
    for cache in ("memory", str(tmp_path / "cache" / "faces")):
        ds = data.image_folder(folder, cache=cache, **kwargs)
        epochs = list(ds.take(6).as_numpy_iterator())  # two epochs of three batches
        first_epoch, second = np.concatenate(epochs[:3]), np.concatenate(epochs[3:])
        assert sorted(first_epoch.sum(axis=(1, 2, 3))) == pytest.approx(
            sorted(second.sum(axis=(1, 2, 3))), abs=1e-3)
    assert any(p.name.startswith("faces.images-6-8px-3c") for p in (tmp_path / "cache").iterdir())


def test_image_folder_errors(tmp_path, folder):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.image_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No image files"):
        data.image_folder(tmp_path / "empty")
    (tmp_path / "flat").mkdir()
    Image.new("RGB", (8, 8)).save(tmp_path / "flat/x.png")
    with pytest.raises(ValueError, match="one subfolder per class"):
        data.image_folder(tmp_path / "flat", with_labels=True)
    with pytest.raises(ValueError, match=r"batch_size=64 .* only 6 examples"):
        data.image_folder(folder, batch_size=64)
    with pytest.raises(ValueError, match="channels"):
        data.image_folder(folder, channels=4)
    with pytest.raises(ValueError, match="image_size"):
        data.image_folder(folder, image_size=0)


# --------------------------------------------------------------------------------------------
# Synthetic data and the shared tail: sharding, options, determinism, static shapes
# --------------------------------------------------------------------------------------------


def test_synthetic_contract():
    ds = data.synthetic(num_examples=10, batch_size=4, image_size=8, channels=3,
                        num_classes=3, with_labels=True)
    batches = list(ds)
    assert len(batches) == 2
    images, labels = batches[0]
    check_images(images, 4, 8, 3)
    assert labels.dtype == tf.int32 and np.all((labels >= 0) & (labels < 3))
    assert ds.element_spec[0].shape == (4, 8, 8, 3)  # static batch dimension
    with pytest.raises(ValueError, match=r"batch_size=16 .* only 10 examples"):
        data.synthetic(num_examples=10, batch_size=16)


def test_static_batch_shape(idx_dir, folder):
    assert data.mnist(batch_size=7, data_dir=idx_dir[0]).element_spec.shape == (7, 28, 28, 1)
    assert data.image_folder(folder, batch_size=4, image_size=12, channels=1,
                             validate=False).element_spec.shape == (4, 12, 12, 1)
    assert data.synthetic(batch_size=4, drop_remainder=False).element_spec.shape[0] is None


def test_auto_shard_policy_is_data(idx_dir):
    for ds in (data.synthetic(), data.mnist(batch_size=8, data_dir=idx_dir[0])):
        assert (ds.options().experimental_distribute.auto_shard_policy
                == tf.data.experimental.AutoShardPolicy.DATA)


def test_input_context_shards_and_splits_the_global_batch(idx_dir):
    root, arrays = idx_dir
    x = arrays["train"][0].astype(np.float32) / 127.5 - 1
    shards = []
    for pipeline in range(2):
        ctx = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=pipeline,
                                         num_replicas_in_sync=2)
        ds = data.mnist(batch_size=30, data_dir=root, shuffle=False, input_context=ctx)
        assert ds.element_spec.shape == (15, 28, 28, 1)  # per-replica batch
        shards.append(all_images(ds)[..., 0])
        np.testing.assert_array_equal(shards[-1], x[pipeline::2])  # 150 each, 10 batches
    seen = {s.tobytes() for s in np.concatenate(shards)}
    assert len(seen) == len(x)  # disjoint halves covering everything
    ctx = tf.distribute.InputContext(2, 1, 2)
    with pytest.raises(ValueError, match="shard"):
        data.synthetic(num_examples=10, batch_size=12, input_context=ctx)


def test_determinism_with_seed(folder):
    def epochs(ds):
        batches = list(ds.take(6).as_numpy_iterator())
        return np.concatenate(batches[:3]), np.concatenate(batches[3:])

    index = data.scan_image_folder(folder)
    make = lambda seed: data.image_folder(index, batch_size=2, image_size=8, seed=seed,
                                          repeat=True)
    a1, a2 = epochs(make(7))
    b1, b2 = epochs(make(7))
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    s1 = data.synthetic(seed=5, batch_size=8)
    s2 = data.synthetic(seed=5, batch_size=8)
    np.testing.assert_array_equal(all_images(s1), all_images(s2))
    # Reshuffled each iteration: a second pass over the same dataset has another order.
    assert not np.array_equal(all_images(s1), all_images(s1))
