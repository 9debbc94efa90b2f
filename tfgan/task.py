"""The task a ``Config`` describes: its GAN (networks, losses, optimizers) and its data.

::

    gan = build_gan(config)                       # compiled; inside strategy.scope() if any
    dataset = build_dataset(config)               # global batches in [-1, 1] (and labels)
    checkpoint = make_checkpoint(gan)             # everything a resumed run needs

``tfgan.train_lib`` trains it; ``tfgan.workdir.restore_gan`` rebuilds it from a checkpoint.
"""

from typing import Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan import config as config_lib
from tfgan import data as data_lib
from tfgan import networks
from tfgan.gan import GAN
from tfgan.schedule import generator_due

__all__ = ["build_dataset", "build_gan", "check_data", "make_checkpoint", "make_optimizer",
           "optimizer_updates", "state_variables"]


def make_optimizer(config: config_lib.Config, learning_rate: float,
                   updates: Optional[int] = None) -> keras.optimizers.Optimizer:
    """The optimizer ``config.optimizer`` names, at ``learning_rate``.

    Args:
        config: a validated config.
        learning_rate: the initial learning rate.
        updates: how many times this optimizer is applied in ``config.train_steps`` batches
            (see ``optimizer_updates``); required by ``--lr_decay=linear``, which decays the
            rate linearly from ``learning_rate`` to 0 over that many updates. The schedule
            reads the optimizer's own (checkpointed) update count, so a resumed run continues
            it; resuming with more ``--train_steps`` spreads the decay over the new total.
    """
    if config.lr_decay == "linear":
        if not updates:
            raise ValueError("--lr_decay=linear needs the optimizer's update count: pass "
                             "updates= (tfgan.task.optimizer_updates(config) gives both "
                             "networks')")
        learning_rate = keras.optimizers.schedules.PolynomialDecay(
            learning_rate, decay_steps=updates, end_learning_rate=0.0, power=1.0)
    if config.optimizer == "rmsprop":
        # PyTorch's RMSprop defaults (alpha 0.99), which the WGAN reference code used.
        return keras.optimizers.RMSprop(learning_rate=learning_rate, rho=0.99, epsilon=1e-8)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=config.beta1,
                                 beta_2=config.beta2)


def optimizer_updates(config: config_lib.Config) -> Tuple[int, int]:
    """``(discriminator, generator)`` optimizer updates in ``config.train_steps`` batches."""
    batches = np.arange(config.train_steps)
    generator = int(np.count_nonzero(
        generator_due(batches, config.g_every, config.critic_warmup)))
    return config.train_steps * config.d_steps, max(generator, 1)


def build_gan(config: config_lib.Config) -> GAN:
    """Builds and compiles the ``GAN`` a config describes.

    Call it inside ``strategy.scope()`` when distributing (networks, optimizers and the GAN's
    variables are created here), after ``distribute.set_precision``.

    Args:
        config: a validated config.

    Returns:
        A compiled ``tfgan.GAN`` (both optimizers built).
    """
    num_classes = config.class_count
    # With several replicas, BatchNorm statistics are taken over the global batch, so a step
    # does not depend on how the batch is split (and small per-replica batches stay stable).
    sync_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    generator = networks.build_generator(
        config.arch, config.image_shape, config.latent_dim, num_classes,
        label_embedding_dim=config.label_embedding_dim,
        base_filters=config.g_base_filters or None, sync_batch_norm=sync_batch_norm)
    discriminator = networks.build_discriminator(
        config.arch, config.image_shape, num_classes,
        norm=config.critic_norm, spectral_norm=config.spectral_norm, dropout=config.dropout,
        minibatch_std=config.minibatch_std,
        label_embedding_dim=config.label_embedding_dim,
        base_filters=config.d_base_filters or None, sync_batch_norm=sync_batch_norm)
    gan = GAN(generator, discriminator, latent_dim=config.latent_dim, loss=config.loss,
              num_classes=num_classes, d_steps=config.d_steps, g_every=config.g_every,
              gp_weight=config.gp_weight, gp_type=config.gp_type,
              gp_every=config.gp_every,
              clip_value=config.clip_value or None,
              ls_targets=config.ls_targets, seed=config.seed,
              ema_decay=config.ema_decay or None, drift_weight=config.drift_weight,
              critic_warmup=config.critic_warmup, augment=config.augment,
              reuse_fakes=config.reuse_fakes)
    d_updates, g_updates = optimizer_updates(config)
    gan.compile(d_optimizer=make_optimizer(config, config.d_lr, d_updates),
                g_optimizer=make_optimizer(config, config.g_lr, g_updates))
    return gan


def build_dataset(config: config_lib.Config, *, seed: Optional[int] = None,
                  repeat: bool = True, input_context=None) -> tf.data.Dataset:
    """The training ``tf.data.Dataset`` of a config (global batches, images in [-1, 1]).

    Args:
        config: a validated config.
        seed: shuffle seed (default ``config.seed``).
        repeat: repeat forever.
        input_context: a ``tf.distribute.InputContext`` (see ``tfgan.data``).

    Returns:
        Batches of images, or ``(images, labels)`` for a conditional config.

    Raises:
        ConfigError: a folder whose class subfolders do not match ``--num_classes``.
    """
    seed = config.seed if seed is None else seed
    _check_class_count(config)
    common = dict(batch_size=config.batch_size, with_labels=config.conditional, seed=seed,
                  repeat=repeat, drop_remainder=True, input_context=input_context)
    if config.dataset == "mnist":
        return data_lib.mnist("train", image_size=config.image_size,
                              data_dir=config.data_dir or None, cache=config.cache or None,
                              shuffle=True, **common)
    if config.dataset == "folder":
        return data_lib.image_folder(config.data_dir, image_size=config.image_size,
                                     channels=config.channels, cache=config.cache or None,
                                     shuffle=True, **common)
    return data_lib.synthetic(num_examples=config_lib.SYNTHETIC_EXAMPLES,
                              image_size=config.image_size, channels=config.channels,
                              num_classes=config.num_classes, **common)


def _check_class_count(config: config_lib.Config) -> None:
    """A conditional folder config needs one class subfolder per class."""
    if config.dataset == "folder" and config.conditional:
        found = len(data_lib.class_names(config.data_dir))
        if found != config.num_classes:
            raise config_lib.ConfigError(
                f"--num_classes={config.num_classes} but --data_dir={config.data_dir} has "
                f"{found} class subfolders")


def check_data(config: config_lib.Config) -> None:
    """Checks that the training data can be read, quickly and before anything is written.

    MNIST: the ``--data_dir`` files are read, or without it tfds must hold MNIST or reach its
    server. Image folders: at least one image decodes (see ``tfgan.data.check_image_folder``)
    and, when conditional, there is one class subfolder per class.

    Raises:
        ConfigError: naming ``--data_dir`` and what is wrong with it.
    """
    try:
        if config.dataset == "mnist":
            data_lib.check_mnist(config.data_dir or None)
        elif config.dataset == "folder":
            data_lib.check_image_folder(config.data_dir, with_labels=config.conditional)
    except (FileNotFoundError, ValueError) as e:
        where = f"--data_dir={config.data_dir}: " if config.data_dir else ""
        raise config_lib.ConfigError(f"{where}{e}") from e
    _check_class_count(config)


def make_checkpoint(gan: GAN, include_optimizers: bool = True) -> tf.train.Checkpoint:
    """The ``tf.train.Checkpoint`` of a GAN's training state.

    Both networks (and the generator's moving average, when kept), both optimizers, the step
    (``batches_seen``) and the latent RNG state.

    Args:
        gan: the GAN.
        include_optimizers: False for inference (``restore_gan``): the optimizer slots are
            then left in the file, which also lets a ``mixed_float16`` run (whose optimizers
            are ``LossScaleOptimizer`` wrappers) be restored into float32 networks.
    """
    objects = dict(generator=gan.generator, discriminator=gan.discriminator,
                   batches_seen=gan.batches_seen, seed_state=gan.seed_generator.state)
    if gan.ema_generator is not None:
        objects["ema_generator"] = gan.ema_generator
    if include_optimizers:
        objects.update(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer)
    return tf.train.Checkpoint(**objects)


def state_variables(gan: GAN):
    """The floating-point state ``make_checkpoint`` saves: both networks (weights, BatchNorm
    statistics, spectral-norm vectors), the generator's moving average and both optimizers'
    variables (slots, loss scale)."""
    variables = list(gan.generator.weights) + list(gan.discriminator.weights)
    if gan.ema_generator is not None:
        variables += list(gan.ema_generator.weights)
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        variables += list(optimizer.variables)
    return variables
