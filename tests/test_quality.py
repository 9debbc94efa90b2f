"""Tests for tfgan.quality's real side (EvaluateQuality runs in tests/test_eval_cli.py)."""

import numpy as np
import pytest

from tfgan import names
from tfgan import quality


def test_real_images_of_the_synthetic_data_set_are_held_out_and_seeded():
    images, description = quality.real_images("synthetic", image_size=8, channels=3,
                                              batch_size=32, seed=4)
    batch = next(iter(images)).numpy()
    assert batch.shape == (32, 8, 8, 3) and description == "held-out synthetic images"
    assert -1.0 <= batch.min() and batch.max() <= 1.0
    again = next(iter(quality.real_images("synthetic", image_size=8, channels=3,
                                          batch_size=32, seed=4)[0])).numpy()
    np.testing.assert_array_equal(batch, again)


def test_real_images_refuses_unknown_data_sets_and_folders_without_a_path():
    with pytest.raises(ValueError, match="dataset must be one of 'mnist', 'folder'"):
        quality.real_images("cifar")
    with pytest.raises(ValueError, match="need its data_dir"):
        quality.real_images("folder")


def test_real_stats_counts_at_most_the_synthetic_examples():
    def extractor(images):
        flat = np.reshape(np.asarray(images), (len(images), -1))
        return flat[:, :4], None

    stats, _ = quality.real_stats(extractor, "synthetic", image_size=4, channels=1,
                                  num_samples=10_000, batch_size=64)
    assert stats.num_samples == 256 and stats.features.shape == (256, 4)


def test_the_extractor_names_are_tfgan_names():
    assert quality.EXTRACTORS == names.EXTRACTORS
    assert quality.score_name("mnist") == "mnist_score"
