"""Tests for tfgan.layers.MinibatchStdDev and its place in the discriminators."""

import numpy as np
import pytest
import tensorflow as tf

import keras

from tfgan import config as config_lib
from tfgan import layers
from tfgan import networks
from tfgan import task


def _reference(x, group_size):
    """The statistic written out with numpy, sample by sample."""
    batch = x.shape[0]
    group = min(group_size, batch)
    group = group if batch % group == 0 else batch
    groups = batch // group
    out = np.empty(batch, np.float32)
    for i in range(batch):
        members = x[i % groups::groups]
        out[i] = np.mean(np.sqrt(members.var(axis=0) + 1e-8))
    return out


@pytest.mark.parametrize("shape,group_size,groups", [
    ((8, 4, 4, 3), 4, 2),
    ((8, 4, 4, 3), 2, 4),
    ((6, 5), 4, 1),        # 4 does not divide 6: one group; dense features
    ((2, 4, 4, 1), 4, 1),  # batch smaller than the group
])
def test_appends_the_group_spread_as_a_channel(shape, group_size, groups):
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    y = layers.MinibatchStdDev(group_size)(x).numpy()
    assert y.shape == shape[:-1] + (shape[-1] + 1,)
    np.testing.assert_array_equal(y[..., :-1], x)
    expected = _reference(x, group_size)
    for i in range(shape[0]):
        np.testing.assert_allclose(y[i, ..., -1], expected[i], rtol=1e-5)
    assert len(np.unique(y[..., -1])) == groups


def test_identical_samples_give_zero_spread_and_gradients_flow():
    x = tf.Variable(tf.ones([4, 3, 3, 2]) * 0.5 + tf.reshape(tf.range(4.0), [4, 1, 1, 1]))
    with tf.GradientTape() as tape:
        y = layers.MinibatchStdDev(4)(x)
        loss = tf.reduce_sum(y[..., -1])
    gradient = tape.gradient(loss, x)
    assert np.all(np.isfinite(gradient.numpy())) and np.any(gradient.numpy() != 0)
    same = layers.MinibatchStdDev(4)(tf.ones([4, 3, 3, 2])).numpy()
    np.testing.assert_allclose(same[..., -1], 1e-4, rtol=1e-3)  # sqrt(0 + 1e-8)


def test_keeps_the_mixed_precision_dtype_and_round_trips_its_config():
    layer = layers.MinibatchStdDev(2, dtype="mixed_bfloat16")
    y = layer(tf.random.normal([4, 2, 2, 3]))
    assert y.dtype == tf.bfloat16 and y.shape == (4, 2, 2, 4)
    clone = layers.MinibatchStdDev.from_config(layer.get_config())
    assert clone.group_size == 2
    with pytest.raises(ValueError, match="group_size"):
        layers.MinibatchStdDev(0)


@pytest.mark.parametrize("arch,shape", [("dcgan", (16, 16, 1)), ("dcgan_transpose", (32, 32, 3)),
                                        ("mlp", (16, 16, 1))])
def test_discriminators_use_the_batch_spread(arch, shape):
    plain = networks.build_discriminator(arch, shape, base_filters=4)
    d = networks.build_discriminator(arch, shape, base_filters=4, minibatch_std=2)
    assert "minibatch_std" in [layer.name for layer in d.layers]
    assert "minibatch_std" not in [layer.name for layer in plain.layers]
    images = tf.random.uniform((4,) + shape, -1, 1)
    # A sample's logit depends on the other samples of its group (0 and 2 with 2 groups).
    changed = tf.concat([images[:2], images[2:3] * 0.0, images[3:]], axis=0)
    before, after = d(images, training=False).numpy(), d(changed, training=False).numpy()
    assert before.shape == (4, 1)
    assert before[0, 0] != after[0, 0] and before[1, 0] == after[1, 0]


def test_minibatch_std_flag_reaches_the_discriminator():
    with pytest.raises(ValueError, match="minibatch_std"):
        networks.build_discriminator("dcgan", (16, 16, 1), minibatch_std=-1)
    with pytest.raises(config_lib.ConfigError, match="--minibatch_std"):
        config_lib.Config(arch="dcgan", minibatch_std=-2).validate()
    config = config_lib.Config(dataset="synthetic", arch="dcgan", image_size=16, latent_dim=8,
                               g_base_filters=4, d_base_filters=4, minibatch_std=4,
                               batch_size=4).validate()
    assert config_lib.Config.from_dict(config.to_dict()).minibatch_std == 4
    gan = task.build_gan(config)
    assert any(isinstance(layer, layers.MinibatchStdDev) for layer in gan.discriminator.layers)
