"""Tests for tfgan.task: the GAN, optimizers and checkpoint of a config."""

import keras
import pytest

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
