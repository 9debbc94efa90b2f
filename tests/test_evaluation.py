"""Tests for tfgan.evaluation: FID / KID / Inception score, extractors, the MNIST classifier."""

import os
from pathlib import Path

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan import evaluation
from conftest import tiny_extractor

SHARED_MNIST = Path(__file__).resolve().parents[1].parent / "shared/data/mnist/mnist.npz"


# --------------------------------------------------------------------------------------------
# Extractors and batching (a tiny model, no real data)
# --------------------------------------------------------------------------------------------


def test_activation_stats_save_creates_its_folder_and_replaces_atomically(tmp_path,
                                                                           monkeypatch):
    rng = np.random.default_rng(3)
    stats = evaluation.ActivationStats.from_activations(rng.normal(size=(20, 3)),
                                                        rng.normal(size=(20, 4)))
    path = tmp_path / "not" / "yet" / "real_stats.npz"
    stats.save(str(path))
    assert os.listdir(path.parent) == ["real_stats.npz"]  # No temporary left behind.
    loaded = evaluation.ActivationStats.load(str(path))
    np.testing.assert_array_equal(loaded.features, stats.features)
    np.testing.assert_array_equal(loaded.logits, stats.logits)

    # A save that fails half-way leaves the previous file as it was.
    before = path.read_bytes()
    def savez_until_the_disk_fills(f, **arrays):
        f.write(b"half an npz")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", savez_until_the_disk_fills)
    with pytest.raises(OSError, match="disk full"):
        stats.save(str(path))
    assert path.read_bytes() == before and os.listdir(path.parent) == ["real_stats.npz"]


def test_compute_activations_from_arrays_datasets_and_functions():
    extractor = tiny_extractor()
    images = np.random.default_rng(10).uniform(-1, 1, size=(23, 8, 8, 1)).astype(np.float32)
    expected_features, expected_logits = (np.asarray(t) for t in extractor(images))

    features, logits = evaluation.compute_activations(extractor, images, batch_size=5)
    assert features.dtype == np.float32 and features.shape == (23, 3)
    np.testing.assert_allclose(features, expected_features, atol=1e-5)
    np.testing.assert_allclose(logits, expected_logits, atol=1e-5)
    # The first num_samples; all when there are fewer.
    assert evaluation.compute_activations(extractor, images, num_samples=7)[0].shape == (7, 3)
    assert evaluation.compute_activations(extractor, images, num_samples=99)[0].shape == (23, 3)

    labels = np.zeros(23, np.int32)
    batched = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    features, _ = evaluation.compute_activations(extractor, batched, num_samples=10)
    np.testing.assert_allclose(features, expected_features[:10], atol=1e-5)
    unbatched = tf.data.Dataset.from_tensor_slices(images)
    features, _ = evaluation.compute_activations(extractor, unbatched, batch_size=6)
    np.testing.assert_allclose(features, expected_features, atol=1e-5)
    with pytest.raises(ValueError, match="infinite"):
        evaluation.compute_activations(extractor, batched.repeat())
    assert evaluation.compute_activations(extractor, batched.repeat(), 30)[0].shape == (30, 3)

    calls = []

    def sample_fn(n):
        calls.append(n)
        return tf.constant(images[:n])

    features, _ = evaluation.compute_activations(extractor, sample_fn, num_samples=12,
                                                 batch_size=5)
    assert calls == [5, 5, 2] and features.shape == (12, 3)
    with pytest.raises(ValueError, match="num_samples is required"):
        evaluation.compute_activations(extractor, sample_fn)


def test_evaluate_generator_and_cached_real_statistics(tmp_path):
    extractor = tiny_extractor()
    rng = np.random.default_rng(11)
    real = rng.uniform(-1, 1, size=(300, 8, 8, 1)).astype(np.float32)
    fake = np.clip(real[::-1] * 0.5 + 0.2, -1, 1)
    kwargs = dict(num_samples=200, batch_size=64, kid_subsets=10, kid_subset_size=100, seed=0)
    metrics = evaluation.evaluate_generator(lambda n: fake[:n], real, extractor, **kwargs)
    assert set(metrics) == {"fid", "kid", "kid_std", "inception_score", "inception_score_std",
                            "num_samples", "num_real_samples"}
    assert metrics["num_samples"] == metrics["num_real_samples"] == 200
    assert metrics["fid"] > 0 and metrics["kid"] > 0 and 1 <= metrics["inception_score"] <= 4
    assert all(isinstance(v, (int, float)) for v in metrics.values())

    stats = evaluation.activation_stats(extractor, real, num_samples=200)
    path = tmp_path / "real_stats.npz"
    stats.save(path)
    loaded = evaluation.ActivationStats.load(path)
    assert loaded.num_samples == 200 and loaded.logits.shape == (200, 4)
    cached = evaluation.evaluate_generator(lambda n: fake[:n], loaded, extractor, **kwargs)
    for key in metrics:
        assert cached[key] == pytest.approx(metrics[key], rel=1e-6, abs=1e-9)
    # A generator identical to the data: FID 0.
    same = evaluation.evaluate_generator(real, loaded, extractor, **kwargs)
    assert same["fid"] == pytest.approx(0.0, abs=1e-6)

    no_logits = evaluation.evaluate_generator(fake, real, tiny_extractor(with_logits=False),
                                              **kwargs)
    assert "inception_score" not in no_logits
    with pytest.raises(ValueError, match="features"):
        evaluation.evaluate_generator(fake, loaded, _five_feature_extractor(), **kwargs)


def _five_feature_extractor():
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Dense(5)(keras.layers.Flatten()(inputs))
    return evaluation.FeatureExtractor(keras.Model(inputs, features), image_size=8, channels=1)


# --------------------------------------------------------------------------------------------
# The packaged MNIST classifier on real MNIST
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_arrays():
    if not SHARED_MNIST.is_file():
        pytest.skip(f"shared MNIST copy not found at {SHARED_MNIST} (see shared/data/mnist)")
    with np.load(SHARED_MNIST) as f:
        return {key: f[key] for key in ("x_train", "y_train", "x_test", "y_test")}


@pytest.fixture(scope="module")
def mnist_test_activations(mnist_arrays):
    extractor = evaluation.mnist_extractor()
    test = evaluation.activation_stats(extractor, mnist_arrays["x_test"], batch_size=500)
    return extractor, test


@pytest.mark.slow
def test_mnist_classifier_accuracy_and_score_on_the_test_split(mnist_arrays,
                                                               mnist_test_activations):
    _, test = mnist_test_activations
    assert test.num_samples == 10_000
    accuracy = np.mean(np.argmax(test.logits, axis=1) == mnist_arrays["y_test"])
    assert accuracy >= 0.99
    score, _ = evaluation.inception_score(test.logits, splits=10)
    assert score >= 9.5


@pytest.mark.slow
def test_mnist_classifier_reads_32x32_digits_from_the_data_pipeline(mnist_arrays):
    from tfgan import data
    ds = data.mnist("test", batch_size=500, image_size=32, with_labels=True,
                    data_dir=SHARED_MNIST, shuffle=False)
    _, logits = evaluation.compute_activations(evaluation.mnist_extractor(), ds,
                                               num_samples=2000)
    accuracy = np.mean(np.argmax(logits, axis=1) == mnist_arrays["y_test"][:2000])
    assert accuracy >= 0.985


@pytest.mark.slow
def test_mnist_fid_separates_real_digits_from_noise_and_mode_collapse(mnist_arrays,
                                                                      mnist_test_activations):
    # The 10,000 test digits (cached real statistics) against 10,000 training digits, and
    # against 2,000 noise images or 2,000 copies of one digit (fewer to keep the test quick;
    # their distances are orders of magnitude larger than FID's small-sample bias).
    extractor, test = mnist_test_activations
    train = mnist_arrays["x_train"][:10_000]
    fid_train = evaluation.evaluate_generator(train, test, extractor, num_samples=10_000,
                                              batch_size=500, kid_subsets=20)
    noise = np.random.default_rng(12).uniform(-1, 1, size=(2000, 28, 28, 1)).astype(np.float32)
    fid_noise = evaluation.evaluate_generator(noise, test, extractor, num_samples=2000,
                                              batch_size=500, kid_subsets=20)
    one_digit = np.repeat(mnist_arrays["x_train"][:1], 2000, axis=0)
    fid_one = evaluation.evaluate_generator(one_digit, test, extractor, num_samples=2000,
                                            batch_size=500, kid_subsets=20)
    assert fid_train["inception_score"] >= 9.5
    assert fid_noise["inception_score"] < 5 and fid_one["inception_score"] < 1.01
    assert fid_train["fid"] * 20 < min(fid_noise["fid"], fid_one["fid"])
    assert fid_train["kid"] * 20 < min(fid_noise["kid"], fid_one["kid"])


# --------------------------------------------------------------------------------------------
# Class accuracy of conditional generators
# --------------------------------------------------------------------------------------------


def test_evaluate_generator_reports_class_accuracy_only_with_labels():
    def extractor(images):
        flat = tf.reshape(images, [tf.shape(images)[0], -1])
        return flat, flat[:, :3]  # "classifier": the brightest of the first three pixels

    images = np.zeros((6, 1, 3, 1), np.float32)
    images[np.arange(6), 0, np.arange(6) % 3, 0] = 1.0  # image i is of class i % 3
    real = images + np.random.default_rng(0).normal(0, 0.1, images.shape).astype(np.float32)
    metrics = evaluation.evaluate_generator(images, real, extractor, num_samples=6,
                                            kid_subsets=2, labels=np.arange(6) % 3)
    assert metrics["class_accuracy"] == 1.0
    metrics = evaluation.evaluate_generator(images, real, extractor, num_samples=6,
                                            kid_subsets=2, labels=(np.arange(6) + 1) % 3)
    assert metrics["class_accuracy"] == 0.0
    assert "class_accuracy" not in evaluation.evaluate_generator(
        images, real, extractor, num_samples=6, kid_subsets=2)
    with pytest.raises(ValueError, match=r"labels must have shape \[num_samples\] = \[6\]"):
        evaluation.evaluate_generator(images, real, extractor, num_samples=6, kid_subsets=2,
                                      labels=[0, 1])


@pytest.mark.slow
def test_class_accuracy_of_a_generator_drawing_real_test_digits(mnist_arrays):
    # A "generator" that returns real test digits of the requested class scores about the
    # classifier's accuracy; one that ignores the request (shuffled classes) scores chance.
    from tfgan import sampling  # pylint: disable=import-outside-toplevel

    x = mnist_arrays["x_test"][..., None].astype(np.float32) / 127.5 - 1.0
    by_class = [x[mnist_arrays["y_test"] == c] for c in range(10)]
    rng = np.random.default_rng(0)

    def digits(labels):
        return np.stack([by_class[c][rng.integers(len(by_class[c]))] for c in labels])

    extractor = evaluation.mnist_extractor()
    real = evaluation.activation_stats(extractor, x[:1000], batch_size=500)
    num = 1000
    results = {}
    for name, generate in (("faithful", lambda z, labels: digits(labels)),
                           ("shuffled", lambda z, labels: digits(rng.permutation(labels)))):
        sample_fn = sampling.generator_sample_fn(generate, latent_dim=2, num_classes=10)
        results[name] = evaluation.evaluate_generator(
            sample_fn, real, extractor, num_samples=num, batch_size=250, kid_subsets=2,
            labels=sampling.balanced_labels(num, 10))["class_accuracy"]
    assert results["faithful"] >= 0.98
    assert 0.05 <= results["shuffled"] <= 0.16
