"""The generator's exponential moving average (``GAN(ema_decay=...)``, ``--ema_decay``).

The average must follow its formula, be what the GAN samples, exports and checkpoints, and
survive the .keras round trip and a resumed run.
"""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan
from tfgan import networks
from tfgan import train_lib

from test_train import checkpoint_value, smoke_config

SHAPE = (16, 16, 1)
LATENT = 8
BATCH = 4


def make_gan(ema_decay=0.9, seed=0):
    keras.utils.set_random_seed(seed)
    generator = networks.build_generator("dcgan", SHAPE, LATENT, base_filters=4)
    discriminator = networks.build_discriminator("dcgan", SHAPE, base_filters=4)
    gan = tfgan.GAN(generator, discriminator, latent_dim=LATENT, seed=seed, ema_decay=ema_decay)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.1))
    return gan


def images(seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (BATCH,) + SHAPE).astype(np.float32)


def values(weights):
    return [np.array(w) for w in weights]


def test_average_follows_the_warmed_up_decay_over_all_weights():
    gan = make_gan(ema_decay=0.9)
    average = values(gan.ema_generator.weights)
    # Trainable weights and BatchNorm's moving statistics are both averaged.
    assert len(average) == len(gan.generator.weights) > len(gan.generator.trainable_weights)
    for a, w in zip(average, values(gan.generator.weights)):
        np.testing.assert_array_equal(a, w)
    for n in (1, 2, 3):
        gan.train_on_batch(images(n))
        decay = min(0.9, (1 + n) / (10 + n))
        expected = [decay * a + (1 - decay) * w
                    for a, w in zip(average, values(gan.generator.weights))]
        average = values(gan.ema_generator.weights)
        for got, want in zip(average, expected):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    # Not trained by anyone: the average is no optimizer's variable.
    assert not gan.ema_generator.trainable_weights


def test_decay_is_capped_at_ema_decay():
    # The warm-up decay (1 + n) / (10 + n) is above 0.15 from the first update on.
    gan = make_gan(ema_decay=0.15)
    for n in range(1, 4):
        before = values(gan.ema_generator.weights)
        gan.train_on_batch(images(n))
        for got, b, w in zip(values(gan.ema_generator.weights), before,
                             values(gan.generator.weights)):
            np.testing.assert_allclose(got, 0.15 * b + 0.85 * w, rtol=1e-5, atol=1e-7)


def test_generate_samples_the_average_and_differs_from_the_raw_generator():
    gan = make_gan()
    for n in range(3):
        gan.train_on_batch(images(n))
    z = np.random.default_rng(1).normal(size=(BATCH, LATENT)).astype(np.float32)
    np.testing.assert_allclose(gan.generate(z=z), gan.ema_generator(z, training=False),
                               rtol=1e-6)
    assert not np.allclose(gan.generate(z=z), gan.generator(z, training=False))
    assert gan.sampling_generator is gan.ema_generator
    for off in (None, 0):
        plain = make_gan(ema_decay=off)
        assert plain.ema_generator is None and plain.sampling_generator is plain.generator


def test_only_generator_updates_move_the_average():
    gan = make_gan()
    gan.g_every = 2  # a discriminator-only batch first
    before = values(gan.ema_generator.weights)
    gan.train_on_batch(images())
    for got, want in zip(values(gan.ema_generator.weights), before):
        np.testing.assert_array_equal(got, want)


def test_keras_round_trip_keeps_the_average(tmp_path):
    gan = make_gan()
    for n in range(2):
        gan.train_on_batch(images(n))
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.ema_decay == 0.9
    for got, want in zip(values(loaded.ema_generator.weights), values(gan.ema_generator.weights)):
        np.testing.assert_array_equal(got, want)
    z = np.ones((2, LATENT), np.float32)
    np.testing.assert_allclose(loaded.generate(z=z), gan.generate(z=z), rtol=1e-6)


def test_export_serves_the_average(tmp_path):
    gan = make_gan()
    for n in range(2):
        gan.train_on_batch(images(n))
    path = tfgan.export_generator(gan, str(tmp_path / "export"))
    served = tf.saved_model.load(path).signatures["serving_default"]
    z = np.random.default_rng(2).normal(size=(BATCH, LATENT)).astype(np.float32)
    np.testing.assert_allclose(served(z=tf.constant(z))["images"],
                               gan.ema_generator(z, training=False), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("decay", [-0.1, 1.0, 1.5])
def test_invalid_decay_is_refused(decay):
    with pytest.raises(ValueError, match=r"ema_decay must be in \[0, 1\)"):
        make_gan(ema_decay=decay)


def test_uncloneable_generator_is_refused_with_the_fix():
    class Generator(keras.Model):
        def __init__(self, size):  # get_config() cannot rebuild this argument
            super().__init__()
            self.dense = keras.layers.Dense(size * size)
            self.reshape = keras.layers.Reshape((size, size, 1))

        def call(self, z):
            return self.reshape(self.dense(z))

    discriminator = networks.build_discriminator("mlp", SHAPE, base_filters=4)
    with pytest.raises(ValueError, match="ema_decay needs a copy of the generator"):
        tfgan.GAN(Generator(16), discriminator, latent_dim=LATENT, ema_decay=0.9)


def test_training_run_checkpoints_and_resumes_the_average(tmp_path):
    workdir = str(tmp_path / "run")
    config = smoke_config(ema_decay=0.9, train_steps=10, checkpoint_every=10)
    train_lib.train_and_evaluate(config, workdir)
    saved = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    gan, step, _ = train_lib.restore_gan(workdir)
    assert step == 10
    first = gan.ema_generator.weights[0]
    key = "ema_generator/" + _checkpoint_key(saved, "ema_generator", first.shape)
    np.testing.assert_array_equal(np.array(first), checkpoint_value(saved, key))
    assert not np.array_equal(np.array(first), np.array(gan.generator.weights[0]))

    # Resuming continues the saved average rather than restarting it from the generator.
    result = train_lib.train_and_evaluate(config.replace(train_steps=12), workdir)
    assert result["start_step"] == 10 and result["step"] == 12
    resumed = train_lib.restore_gan(workdir)[0]
    generator = np.array(resumed.generator.weights[0])
    average = np.array(resumed.ema_generator.weights[0])
    previous = np.array(first)
    # Two more updates at the ceiling decay 0.9: the average moved, but stayed mostly old.
    assert not np.array_equal(average, previous)
    assert np.abs(average - previous).max() < np.abs(generator - previous).max()


def _checkpoint_key(path, prefix, shape):
    """The first checkpoint variable under ``prefix`` with ``shape`` (minus the suffix)."""
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    for name, var_shape in tf.train.list_variables(path):
        if name.startswith(prefix + "/") and name.endswith(suffix) and \
                tuple(var_shape) == tuple(shape):
            return name[len(prefix) + 1:-len(suffix)]
    raise AssertionError(f"no {prefix} variable of shape {shape} in {path}")
