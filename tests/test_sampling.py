"""Tests for tfgan.sampling: latent streams, balanced labels, Sampler's top-k and labels."""

import numpy as np
import pytest

from tfgan import sampling


def test_generator_sample_fn_balances_labels_and_continues_the_stream():
    seen = []

    def generate(z, labels):
        seen.append((z, labels))
        return np.zeros((len(z), 2, 2, 1), np.float32)

    sample = sampling.generator_sample_fn(generate, latent_dim=3, num_classes=4, seed=1)
    for n in (3, 5, 4):
        assert sample(n).shape == (n, 2, 2, 1)
    labels = np.concatenate([labels for _, labels in seen])
    assert np.bincount(labels).tolist() == [3, 3, 3, 3]
    z = np.concatenate([z for z, _ in seen])
    np.testing.assert_array_equal(
        z, np.random.default_rng(1).standard_normal((12, 3)).astype(np.float32))


def test_generator_sample_fn_labels_are_balanced_labels():
    seen = []
    sample = sampling.generator_sample_fn(
        lambda z, labels: seen.append(labels) or np.zeros((len(z), 1, 1, 1), np.float32),
        latent_dim=2, num_classes=3)
    for n in (4, 1, 5):
        sample(n)
    np.testing.assert_array_equal(np.concatenate(seen), sampling.balanced_labels(10, 3))
    np.testing.assert_array_equal(sampling.balanced_labels(4, 3, start=2), [2, 0, 1, 2])


def fake_sampler(conditional=False, num_classes=None):
    """A Sampler whose images are filled with z[0] and whose score is that value."""

    def generate(z, labels):
        return np.broadcast_to(z[:, :1, None, None], (len(z), 2, 2, 1)).astype(np.float32)

    def score(images, labels):
        return images[:, 0, 0, 0]

    return sampling.Sampler(generate, score, latent_dim=3, num_classes=num_classes,
                            conditional=conditional)


def test_top_k_keeps_the_best_scored_images_best_first():
    sampler = fake_sampler()
    images, labels = sampler.sample(4, top_k_of=32, seed=3)
    z = np.random.default_rng(3).standard_normal((32, 3)).astype(np.float32)
    np.testing.assert_allclose(images[:, 0, 0, 0], np.sort(z[:, 0])[::-1][:4])
    assert labels is None
    plain, _ = sampler.sample(4, seed=3)
    np.testing.assert_allclose(plain[:, 0, 0, 0], z[:4, 0])


def test_conditional_labels_default_to_class_blocks_and_are_checked():
    sampler = fake_sampler(conditional=True, num_classes=3)
    np.testing.assert_array_equal(sampler.default_labels(6), [0, 0, 1, 1, 2, 2])
    _, labels = sampler.sample(3, labels=1)
    np.testing.assert_array_equal(labels, [1, 1, 1])
    images, labels = sampler.sample(4, labels=[2, 2, 0, 1], top_k_of=8)
    assert images.shape == (4, 2, 2, 1) and list(labels) == [2, 2, 0, 1]
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        sampler.sample(2, labels=[0, 3])
    with pytest.raises(ValueError, match="unconditional"):
        fake_sampler().sample(2, labels=[0, 1])
    with pytest.raises(ValueError, match="at least the number"):
        sampler.sample(4, top_k_of=2)


def test_generate_and_score_go_in_chunks():
    calls = []
    sampler = sampling.Sampler(lambda z, labels: calls.append(len(z)) or np.zeros((len(z), 1)),
                               None, latent_dim=2, num_classes=None, conditional=False)
    assert sampler.generate(np.zeros((5, 2), np.float32), batch_size=2).shape == (5, 1)
    assert calls == [2, 2, 1]
    assert not sampler.can_score
    with pytest.raises(ValueError, match="no discriminator score"):
        sampler.score(np.zeros((1, 1)))
