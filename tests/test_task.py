"""Tests for tfgan.task: the GAN, optimizers and checkpoint of a config."""

import keras
import pytest

from tfgan import config as config_lib
from tfgan import task
from conftest import smoke_config


def test_build_gan_compiles_the_configured_optimizers():
    gan = task.build_gan(smoke_config(optimizer="rmsprop", g_lr=1e-3, d_lr=5e-4))
    assert isinstance(gan.g_optimizer, keras.optimizers.RMSprop)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(5e-4)
    adam = task.make_optimizer(smoke_config(beta1=0.0, beta2=0.9), 1e-4)
    assert isinstance(adam, keras.optimizers.Adam) and (adam.beta_1, adam.beta_2) == (0.0, 0.9)


def test_checkpoint_holds_the_training_state():
    gan = task.build_gan(smoke_config(ema_decay=0.99))
    names = set(task.make_checkpoint(gan)._trackable_children())  # pylint: disable=W0212
    assert {"generator", "discriminator", "ema_generator", "batches_seen", "seed_state",
            "d_optimizer", "g_optimizer"} <= names
    inference = set(task.make_checkpoint(gan, include_optimizers=False)._trackable_children())
    assert "g_optimizer" not in inference
    assert len(task.state_variables(gan)) > len(gan.generator.weights)


def test_optimizer_updates_follow_the_schedule():
    assert task.optimizer_updates(smoke_config(train_steps=12, g_every=5, d_steps=2)) == (24, 2)
    # WGAN warm-up: the first 25 generator updates come every 100 batches (batches 99, 199,
    # ..., 2499), then every g_every-th (2504, ..., 2599).
    warmup = smoke_config(g_every=5, critic_warmup=True)
    assert task.optimizer_updates(warmup.replace(train_steps=210)) == (210, 2)
    assert task.optimizer_updates(warmup.replace(train_steps=2600)) == (2600, 25 + 20)


@pytest.mark.parametrize("g_every", [1, 2])
def test_linear_lr_decay_reaches_zero_at_train_steps(g_every):
    config = smoke_config(lr_decay="linear", train_steps=4, g_every=g_every, g_lr=1e-3,
                          d_lr=2e-3).validate()
    gan = task.build_gan(config)
    dataset = task.build_dataset(config)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(2e-3)
    gan.fit(dataset, steps_per_epoch=2, epochs=1, verbose=0)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(1e-3)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(5e-4)
    gan.fit(dataset, steps_per_epoch=2, epochs=1, verbose=0)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(0.0)
    assert float(gan.g_optimizer.learning_rate) == pytest.approx(0.0)
    assert int(gan.g_optimizer.iterations) == 4 // g_every


def test_constant_lr_stays_constant():
    config = smoke_config(train_steps=4).validate()
    gan = task.build_gan(config)
    gan.fit(task.build_dataset(config), steps_per_epoch=4, epochs=1, verbose=0)
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(config.d_lr)


def test_unknown_lr_decay_is_refused():
    with pytest.raises(config_lib.ConfigError, match="--lr_decay"):
        smoke_config(lr_decay="cosine").validate()
