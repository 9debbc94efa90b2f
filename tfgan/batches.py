"""Checks a training batch against a GAN: ``images`` or ``(images, labels)``.

Bad input fails here, in the first traced step, with a message that names the shape or type
and the fix, rather than deep inside a network.
"""

from typing import Optional

import keras
import tensorflow as tf


def _shape_of(value):
    shape = getattr(value, "shape", None)
    return None if shape is None else tuple(shape)


def output_image_shape(generator) -> Optional[tuple]:
    """The generator's output ``(H, W, C)`` when statically known, else ``None``."""
    try:
        shape = generator.output_shape
    except (AttributeError, ValueError):
        return None
    if isinstance(shape, list) or shape is None or None in shape[1:]:
        return None
    return tuple(shape[1:])


def unpack_batch(data, image_shape: Optional[tuple], num_classes: Optional[int]):
    """Splits a dataset element into ``(images, labels)`` and checks it.

    Args:
        data: ``images`` ``[batch, H, W, C]`` float, or ``(images, labels)`` with labels int
            ``[batch]`` (or ``[batch, 1]``); Keras' ``(x, y, None)`` tuples are accepted.
        image_shape: the expected ``(H, W, C)``, or ``None`` to skip that check.
        num_classes: the GAN's class count; ``None`` for an unconditional GAN.

    Returns:
        ``(images, labels)``: labels int32 ``[batch]``, or ``None`` when unconditional.

    Raises:
        ValueError: naming what is wrong with the batch and how to fix it.
    """
    if isinstance(data, dict):
        raise ValueError("the dataset must yield images or (images, labels), "
                         f"got a dict with keys {sorted(data)}")
    # Keras passes (x, y, sample_weight) tuples with None entries (train_on_batch).
    if isinstance(data, (tuple, list)) and (
            len(data) > 3 or (len(data) == 3 and data[2] is not None)):
        raise ValueError("the dataset must yield images or (images, labels), got a "
                         f"{len(data)}-tuple with shapes {[_shape_of(x) for x in data]} "
                         "(sample weights are not supported)")
    images, labels, _ = keras.utils.unpack_x_y_sample_weight(data)
    images = tf.convert_to_tensor(images)
    if images.shape.rank != 4:
        raise ValueError("images must have shape [batch, height, width, channels], "
                         f"got shape {tuple(images.shape)}")
    if not images.dtype.is_floating:
        raise ValueError(f"images must be floats scaled to [-1, 1], got dtype "
                         f"{images.dtype.name}; scale uint8 pixels with x / 127.5 - 1 "
                         "(tfgan.data does this)")
    if image_shape is not None and tuple(images.shape[1:]) != image_shape:
        raise ValueError(f"images of shape {tuple(images.shape[1:])} (height, width, "
                         f"channels) do not match the generator's output shape {image_shape}")
    if num_classes is not None and labels is None:
        raise ValueError(f"this GAN is conditional (num_classes={num_classes}): the "
                         "dataset must yield (images, labels)")
    if num_classes is None and labels is not None:
        raise ValueError("labels were given to an unconditional GAN: build it with "
                         "num_classes=... or let the dataset yield images only")
    if labels is not None:
        labels = tf.convert_to_tensor(labels)
        if labels.shape.rank == 2 and labels.shape[-1] == 1:
            labels = tf.squeeze(labels, -1)
        if labels.shape.rank != 1:
            raise ValueError("labels must have shape [batch] (integer class ids), got "
                             f"shape {tuple(labels.shape)}")
        labels = tf.cast(labels, tf.int32)
    return images, labels
