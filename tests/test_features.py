"""Tests for tfgan.features: FeatureExtractor, extractors by name, the packaged networks.

Real-MNIST checks of the packaged classifier run in tests/test_evaluation.py; the anime-face
network's in tests/test_anime_features.py.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan import features as features_lib
from conftest import policy, tiny_extractor


def test_feature_extractor_converts_and_resizes():
    extractor = tiny_extractor()
    assert (extractor.feature_dim, extractor.num_classes) == (3, 4)
    grey = np.random.default_rng(8).uniform(-1, 1, size=(5, 8, 8, 1)).astype(np.float32)
    features, logits = extractor(grey)
    assert features.dtype == tf.float32 and tuple(features.shape) == (5, 3)
    assert tuple(logits.shape) == (5, 4)
    # RGB with three equal channels is the same grey image; [B, H, W] gets a channel axis.
    np.testing.assert_allclose(extractor(np.repeat(grey, 3, axis=-1))[0], features, atol=1e-4)
    np.testing.assert_allclose(extractor(grey[..., 0])[0], features, atol=1e-6)
    # uint8 in [0, 255] is scaled to [-1, 1].
    as_uint8 = np.array([0, 255], np.uint8)[np.random.default_rng(9).integers(0, 2, (2, 8, 8, 1))]
    np.testing.assert_allclose(extractor(as_uint8)[0],
                               extractor(as_uint8.astype(np.float32) / 127.5 - 1)[0], atol=1e-6)
    # Other sizes are resized.
    assert tuple(extractor(np.zeros((2, 16, 16, 1), np.float32))[0].shape) == (2, 3)
    rgb_extractor = tiny_extractor(channels=3, with_logits=False)
    features, logits = rgb_extractor(grey)
    assert tuple(features.shape) == (5, 3) and logits is None
    assert rgb_extractor.num_classes is None


def test_get_extractor():
    extractor = tiny_extractor()
    assert features_lib.get_extractor(extractor) is extractor
    with pytest.raises(ValueError, match="Unknown extractor"):
        features_lib.get_extractor("vgg")


# --------------------------------------------------------------------------------------------
# InceptionV3 (never downloads)
# --------------------------------------------------------------------------------------------


def test_inception_v3_offline_error_is_clear(monkeypatch, tmp_path):
    origins = []

    def offline_get_file(fname, origin=None, **kwargs):
        origins.append(origin)
        raise Exception(f"URL fetch failure on {origin}: None -- [Errno -3] Temporary failure "
                        f"in name resolution")

    monkeypatch.setattr(keras.utils, "get_file", offline_get_file)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(features_lib.WeightsUnavailableError) as err:
        features_lib.inception_v3_extractor()
    message = str(err.value)
    assert origins and origins[0].endswith(features_lib.INCEPTION_V3_WEIGHTS_FILE)
    assert features_lib.INCEPTION_V3_WEIGHTS_FILE in message
    assert os.path.join(str(tmp_path), "models") in message  # where to put the file
    assert "Temporary failure in name resolution" in message  # the cause
    assert "mnist_extractor()" in message  # the alternative for MNIST
    with pytest.raises(features_lib.WeightsUnavailableError):
        features_lib.get_extractor("inception_v3")
    with pytest.raises(FileNotFoundError):
        features_lib.inception_v3_extractor(weights=str(tmp_path / "missing.h5"))


@pytest.mark.slow
def test_inception_v3_extractor_plumbing_with_random_weights(monkeypatch):
    monkeypatch.setattr(keras.utils, "get_file", None)  # any download attempt would fail
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        extractor = features_lib.inception_v3_extractor(weights=None)
        assert keras.config.dtype_policy().name == "mixed_bfloat16"  # restored
    finally:
        keras.config.set_dtype_policy(previous)
    assert (extractor.feature_dim, extractor.num_classes) == (2048, 1000)
    assert extractor.image_size == (299, 299) and extractor.channels == 3
    features, logits = extractor(np.zeros((2, 28, 28, 1), np.float32))  # grey, resized
    assert features.dtype == tf.float32 and tuple(features.shape) == (2, 2048)
    assert tuple(logits.shape) == (2, 1000)


def test_mnist_classifier_loads_small_float32_weights():
    path = features_lib.mnist_classifier_weights_path()
    assert os.path.isfile(path) and os.path.getsize(path) < 4_000_000
    with policy("mixed_bfloat16"):  # as during mixed-precision training
        model = features_lib.mnist_classifier()
    assert model.output.shape[-1] == 10 and model.get_layer("features").output.shape[-1] == 128
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.compute_dtype == "float32" and not model.trainable
    extractor = features_lib.mnist_extractor()
    assert (extractor.feature_dim, extractor.num_classes) == (128, 10)
    with pytest.raises(FileNotFoundError, match="train_mnist_classifier"):
        features_lib.mnist_classifier("/nonexistent/mnist_classifier.weights.h5")


def test_class_accuracy_applies_to_ten_class_generators_on_the_mnist_classifier():
    assert features_lib.class_accuracy_applies("mnist", 10)
    assert not features_lib.class_accuracy_applies("mnist", None)
    assert not features_lib.class_accuracy_applies("mnist", 3)
    assert not features_lib.class_accuracy_applies("inception_v3", 10)
