"""The generator's exponential moving average (``GAN(ema_decay=...)``): a frozen copy, updated.

::

    average = frozen_copy(generator, probe_inputs)            # same architecture and weights
    update_average(average.weights, generator.weights,
                   warmup_decay(0.999, g_optimizer.iterations))  # after each generator update
"""

from typing import Callable, Sequence

import keras
import tensorflow as tf


def frozen_copy(network: keras.Model, probe_inputs: Callable) -> keras.Model:
    """A non-trainable copy of ``network`` with its weights (``keras.models.clone_model``).

    Args:
        network: a Sequential or functional model, or a subclassed one with ``get_config()``
            and ``from_config()``.
        probe_inputs: returns ``(z, labels)`` (labels None when unconditional) to build an
            unbuilt copy with.

    Raises:
        ValueError: the network cannot be copied.
    """
    try:
        if isinstance(network, keras.Model):
            clone = keras.models.clone_model(network)
        else:
            clone = network.__class__.from_config(network.get_config())
    except Exception as error:  # Keras raises several types for uncloneable models.
        raise ValueError(
            "ema_decay needs a copy of the generator, made with keras.models.clone_model: "
            "use a Sequential or functional model, or give a subclassed one get_config() "
            f"and from_config() ({type(error).__name__}: {error})") from error
    if not clone.built:
        z, labels = probe_inputs()
        clone(z if labels is None else [z, labels], training=False)
    clone.set_weights(network.get_weights())
    clone.trainable = False
    return clone


def warmup_decay(decay: float, updates) -> tf.Tensor:
    """``min(decay, (1 + n) / (10 + n))`` after ``n`` updates.

    The warm-up of ``tf.train.ExponentialMovingAverage(num_updates=n)``: early in training the
    average follows the network instead of holding on to its random initialisation.
    """
    updates = tf.cast(updates, tf.float32)
    return tf.minimum(decay, (1.0 + updates) / (10.0 + updates))


def update_average(averages: Sequence, weights: Sequence, decay) -> None:
    """``average <- decay * average + (1 - decay) * weight`` for every pair, in float32.

    Every weight is averaged, BatchNorm's moving statistics included. Works in a replica
    context of any ``tf.distribute`` strategy: mirrored variables cannot be assigned there, so
    the (identical) targets every replica computed are written by a cross-replica update.
    """
    averages = [w.value for w in averages]
    targets = [decay * tf.cast(average, tf.float32) + (1.0 - decay) * tf.cast(weight, tf.float32)
               for average, weight in zip(averages, weights)]

    def assign(strategy, targets):
        for average, target in zip(averages, targets):
            strategy.extended.update(
                average, lambda var, value: var.assign(tf.cast(value, var.dtype)),
                args=(target,), group=False)

    tf.__internal__.distribute.interim.maybe_merge_call(
        assign, tf.distribute.get_strategy(), targets)
