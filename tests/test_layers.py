"""Tests for tfgan.layers: MinibatchStdDev and its place in the discriminators, and the fused
normalisation layers against the Keras layers they replace."""

import numpy as np
import pytest
import tensorflow as tf

import keras
from conftest import policy

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


# --------------------------------------------------------------------------------------------
# FusedBatchNormalization: Keras' BatchNormalization, computed by one fused kernel in training


def _batch_norm_pair(shape, **kwargs):
    """A Keras BatchNormalization and a FusedBatchNormalization with the same weights."""
    keras_layer = keras.layers.BatchNormalization(
        momentum=0.9, epsilon=1e-5, gamma_initializer="random_normal",
        beta_initializer="random_normal", **kwargs)
    fused = layers.FusedBatchNormalization(momentum=0.9, epsilon=1e-5, **kwargs)
    keras_layer.build(shape)
    fused.build(shape)
    fused.set_weights(keras_layer.get_weights())
    return keras_layer, fused


def _output_and_gradients(layer, x, cotangent, training):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training)
        loss = tf.reduce_sum(tf.cast(y, tf.float32) * cotangent)
    return y, tape.gradient(loss, [x] + layer.trainable_weights)


def _relative_error(expected, actual):
    expected, actual = np.float32(expected), np.float32(actual)
    return np.abs(expected - actual).max() / np.abs(expected).max()


@pytest.mark.parametrize("dtype_policy,tolerance", [("float32", 1e-5), ("mixed_bfloat16", 1e-2)])
@pytest.mark.parametrize("shape", [(8, 4, 4, 3), (8, 5)])
def test_fused_batch_norm_trains_as_keras_batch_norm(dtype_policy, tolerance, shape):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(2.0, 3.0, size=shape), tf.float32)
    cotangent = tf.constant(rng.normal(size=shape), tf.float32)
    with policy(dtype_policy):
        keras_layer, fused = _batch_norm_pair(shape)
        expected_y, expected_grads = _output_and_gradients(keras_layer, x, cotangent, True)
        y, grads = _output_and_gradients(fused, x, cotangent, True)
    assert y.dtype == expected_y.dtype and y.shape == shape
    assert _relative_error(expected_y, y) < tolerance
    for expected, actual in zip(expected_grads, grads):  # inputs, gamma, beta
        assert _relative_error(expected, actual) < tolerance
    # The moving statistics take the same (biased) batch variance Keras averages.
    for expected, actual in zip(keras_layer.non_trainable_weights, fused.non_trainable_weights):
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=tolerance, atol=1e-6)
    np.testing.assert_allclose(fused.moving_mean.numpy(),
                               0.1 * x.numpy().reshape(-1, shape[-1]).mean(axis=0),
                               rtol=tolerance)


def test_fused_batch_norm_is_keras_batch_norm_outside_training():
    shape = (4, 3, 3, 2)
    x = tf.random.normal(shape, seed=1)
    keras_layer, fused = _batch_norm_pair(shape)
    for layer in (keras_layer, fused):
        layer(x * 2.0 + 1.0, training=True)  # move the statistics away from (0, 1)
    np.testing.assert_allclose(fused(x, training=False), keras_layer(x, training=False),
                               rtol=1e-5, atol=1e-6)
    fused.trainable = False  # a frozen layer uses its moving statistics, as Keras' does
    keras_layer.trainable = False
    np.testing.assert_allclose(fused(x, training=True), keras_layer(x, training=True),
                               rtol=1e-5, atol=1e-6)


def test_fused_batch_norm_runs_in_a_graph_with_an_unknown_batch():
    fused = layers.FusedBatchNormalization()
    step = tf.function(lambda x: fused(x, training=True),
                       input_signature=[tf.TensorSpec([None, 5], tf.float32)])
    y = step(tf.random.normal([6, 5]) * 4.0 + 3.0).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), 1.0, atol=1e-2)


def test_fused_batch_norm_round_trips_its_config_and_is_the_networks_batch_norm():
    layer = layers.FusedBatchNormalization(momentum=0.8, epsilon=1e-3)
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(layer))
    assert type(clone) is layers.FusedBatchNormalization
    assert (clone.momentum, clone.epsilon) == (0.8, 1e-3)
    generator = networks.build_generator("dcgan", (16, 16, 1), latent_dim=8, base_filters=8)
    norms = [l for l in generator.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert norms and all(type(l) is layers.FusedBatchNormalization for l in norms)
