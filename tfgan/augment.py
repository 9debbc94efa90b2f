"""DiffAugment: differentiable augmentation of real and generated images (Zhao et al. 2020).

A discriminator trained on few images memorises them. DiffAugment ("Differentiable Augmentation
for Data-Efficient GAN Training", Zhao, Liu, Lin, Zhu and Han, NeurIPS 2020) shows the
discriminator only augmented images, real and generated alike, and lets the generator's
gradient flow back through the same augmentation, so the generator still learns the
un-augmented distribution::

    from tfgan import augment
    seed = keras.random.SeedGenerator(0)
    images = augment.diff_augment(images, "color,translation,cutout", seed=seed)

``tfgan.GAN(augment="color,translation,cutout")`` does this in its train step: real and fake
images in the discriminator step (and the gradient penalty's interpolates between them), fakes
in the generator step.

The policies follow the reference implementation (``DiffAugment_tf.py`` of
mit-han-lab/data-efficient-gans), on NHWC images in [-1, 1], with one independent draw per
image:

* ``color``: brightness ``x + U(-0.5, 0.5)``; saturation ``m + (x - m) * U(0, 2)`` with ``m``
  the pixel's mean over the channels (nothing changes for 1-channel images); contrast
  ``m + (x - m) * U(0.5, 1.5)`` with ``m`` the image's mean. Computed in float32, as one
  affine map per image (the same result in one pass over the pixels).
* ``translation``: an integer shift of up to ``size // 8`` pixels in each direction (height
  and width drawn independently), the uncovered border filled with zeros.
* ``cutout``: one square of ``size // 2`` pixels (per side) set to zero, centred on a random
  pixel (clipped at the border).

The policies are applied in the order given. Zero is mid-grey in [-1, 1]: like the reference,
translation and cutout fill with it.

The random parameters are drawn by :func:`draw_parameters` (``keras.random``, from an int seed
or a ``keras.random.SeedGenerator``) and applied by :func:`apply_parameters`, with TensorFlow
ops that run eagerly, in ``tf.function`` graphs and under ``tf.distribute``, in float32,
bfloat16 and float16. Splitting the two lets a distributed caller draw the parameters for the
global batch and apply its replica's slice (``tfgan.GAN`` does), so the result does not depend
on the number of replicas.
"""

import numbers
from typing import Dict, Sequence, Tuple, Union

import keras
import numpy as np
import tensorflow as tf

from tfgan import names

__all__ = [
    "DEFAULT_POLICY",
    "POLICIES",
    "apply_parameters",
    "diff_augment",
    "draw_parameters",
    "format_policy",
    "parse_policy",
]

#: The augmentations, in the order of the reference implementation.
POLICIES = names.AUGMENT_POLICIES
#: The DiffAugment paper's choice for few-shot and small data sets.
DEFAULT_POLICY = names.DEFAULT_AUGMENT_POLICY
#: The augmentations of a policy string, in order (``tfgan.names.parse_augment_policy``).
parse_policy = names.parse_augment_policy

# Translation moves by up to size * 1 // 8 pixels; cutout squares are size * 1 // 2 (reference).
_TRANSLATION_RATIO = (1, 8)
_CUTOUT_RATIO = (1, 2)

Seed = Union[None, int, keras.random.SeedGenerator]

# At most this many random draws per call of draw_parameters (color 3, translation 2, cutout 2).
_MAX_DRAWS = 8
# The augmentation each key of draw_parameters' dict belongs to (one key per augmentation).
_KEY_POLICY = {"brightness": "color", "translation": "translation", "cutout": "cutout"}


def format_policy(policy: Union[str, Sequence[str], None]) -> str:
    """The canonical string of a policy: ``"color,translation"``; ``""`` for none."""
    return ",".join(parse_policy(policy))


def _spatial_size(images) -> Tuple[int, int]:
    """``(height, width)`` of an image batch whose height, width and channels are static."""
    shape = images.shape
    if shape.rank != 4 or None in tuple(shape[1:]):
        raise ValueError("DiffAugment needs images of shape [batch, height, width, channels] "
                         f"with a known height, width and channel count, got {tuple(shape)}")
    return int(shape[1]), int(shape[2])


def _translation_limits(height: int, width: int) -> Tuple[int, int]:
    num, den = _TRANSLATION_RATIO
    return height * num // den, width * num // den


def _cutout_size(height: int, width: int) -> Tuple[int, int]:
    num, den = _CUTOUT_RATIO
    return height * num // den, width * num // den


def draw_parameters(policy: Union[str, Sequence[str], None], batch_size,
                    image_size: Tuple[int, int], seed: Seed = None) -> Dict[str, tf.Tensor]:
    """Draws the random parameters of a policy for a batch.

    Args:
        policy: see :func:`parse_policy`.
        batch_size: number of images (an int or a scalar int tensor).
        image_size: ``(height, width)`` of the images.
        seed: an int (the same draw every call), a ``keras.random.SeedGenerator`` (a new draw
            every call; use one inside ``tf.function``) or ``None`` (Keras' global stream,
            eager code only).

    Returns:
        A dict with, per augmentation of the policy:

        * ``brightness``, ``saturation``, ``contrast``: float32 ``[batch]`` (``color``);
        * ``translation``: int32 ``[batch, 2]``, the shift along height and width (the output
          pixel ``(i, j)`` is the input pixel ``(i + shift[0], j + shift[1])``);
        * ``cutout``: int32 ``[batch, 2]``, the top-left corner of the zeroed square (it may
          start above or left of the image; the square is clipped to it).
    """
    height, width = (int(s) for s in image_size)
    seeds = _seed_stream(seed)
    params = {}
    for name in parse_policy(policy):
        if name == "color":
            params["brightness"] = keras.random.uniform(
                (batch_size,), minval=-0.5, maxval=0.5, dtype="float32", seed=next(seeds))
            params["saturation"] = keras.random.uniform(
                (batch_size,), minval=0.0, maxval=2.0, dtype="float32", seed=next(seeds))
            params["contrast"] = keras.random.uniform(
                (batch_size,), minval=0.5, maxval=1.5, dtype="float32", seed=next(seeds))
        elif name == "translation":
            shifts = []
            for limit in _translation_limits(height, width):
                shifts.append(keras.random.randint((batch_size,), -limit, limit + 1,
                                                   dtype="int32", seed=next(seeds)))
            params["translation"] = tf.stack(shifts, axis=1)
        elif name == "cutout":
            corners = []
            for size, cut in zip((height, width), _cutout_size(height, width)):
                # The reference's centre lies in [0, size + 1 - cut % 2): an even square may
                # overhang either border by half its side.
                centre = keras.random.randint((batch_size,), 0, size + (1 - cut % 2),
                                              dtype="int32", seed=next(seeds))
                corners.append(centre - cut // 2)
            params["cutout"] = tf.stack(corners, axis=1)
    return params


def _seed_stream(seed: Seed):
    """Yields the seed of each draw: an int seed is spread into distinct ints (one per draw,
    so the draws are independent yet the call is reproducible); a SeedGenerator or None is
    yielded as is (each draw advances the stream)."""
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        for value in np.random.SeedSequence(int(seed)).generate_state(_MAX_DRAWS):
            yield int(value) & 0x7FFFFFFF
    else:
        while True:
            yield seed


def _per_image(values):
    """``[batch]`` float32 values as ``[batch, 1]``, to scale a ``[batch, pixels]`` tensor."""
    return tf.cast(values, tf.float32)[:, tf.newaxis]


def _color(images, params):
    """Brightness, saturation and contrast, composed into one affine map per image.

    Step by step (the reference): ``x1 = x + b``; ``x2 = mc(x1) + s (x1 - mc(x1))`` with
    ``mc`` the per-pixel channel mean; ``x3 = mean(x2) + k (x2 - mean(x2))`` with ``mean`` the
    image mean. Saturation keeps the channel mean, so ``mean(x2) = mean(x) + b`` and
    ``x3 = k s x + k (1 - s) mc(x) + b + (1 - k) mean(x)``: one pass over the pixels instead
    of six, in float32 (broadcasting over the small channel axis is slow on a CPU).
    """
    x = tf.cast(images, tf.float32)
    channels = int(images.shape[3])
    batch = tf.shape(x)[0]
    flat = tf.reshape(x, [batch, -1])  # [batch, H * W * C]
    brightness, saturation, contrast = (_per_image(params[name]) for name in
                                        ("brightness", "saturation", "contrast"))
    offset = brightness + (1.0 - contrast) * tf.reduce_mean(flat, axis=1, keepdims=True)
    if channels == 1:  # saturation changes nothing
        out = contrast * flat + offset
    else:
        # The channel mean, repeated over the channels, as a matmul with a C x C constant.
        channel_mean = tf.reshape(
            tf.matmul(tf.reshape(x, [-1, channels]), tf.fill([channels, channels],
                                                            1.0 / channels)), [batch, -1])
        out = (contrast * saturation * flat + contrast * (1.0 - saturation) * channel_mean
               + offset)
    return tf.cast(tf.reshape(out, tf.shape(images)), images.dtype)


def _shift(images, shifts):
    """Moves each image by ``-shifts`` (output ``(i, j)`` = input ``(i + dy, j + dx)``)."""
    height, width = _spatial_size(images)
    padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]])
    # Index 0 and size + 1 of the padded axes are the zero border.
    rows = tf.clip_by_value(tf.range(height)[tf.newaxis] + shifts[:, :1] + 1, 0, height + 1)
    cols = tf.clip_by_value(tf.range(width)[tf.newaxis] + shifts[:, 1:] + 1, 0, width + 1)
    # Gathers along axis 1 move whole rows; the columns are moved as rows of the transpose
    # (gathering single pixels along axis 2 is several times slower).
    moved = tf.gather(padded, rows, axis=1, batch_dims=1)  # [batch, H, W + 2, C]
    moved = tf.transpose(moved, [0, 2, 1, 3])  # [batch, W + 2, H, C]
    moved = tf.gather(moved, cols, axis=1, batch_dims=1)  # [batch, W, H, C]
    return tf.transpose(moved, [0, 2, 1, 3])


def _translate(images, shifts):
    """``_shift`` whose gradient is the opposite shift (its exact adjoint: each pixel moves
    to at most one place), cheaper than the gathers' scatter-add gradient."""

    @tf.custom_gradient
    def translate(x):
        def grad(upstream):
            return _shift(upstream, -shifts)

        return _shift(x, shifts), grad

    return translate(images)


def _cutout(images, corners):
    height, width = _spatial_size(images)
    channels = int(images.shape[3])
    cut_h, cut_w = _cutout_size(height, width)

    def inside(size, cut, start):  # [batch, size]: within [start, start + cut)
        index = tf.range(size)[tf.newaxis]
        return (index >= start[:, tf.newaxis]) & (index < start[:, tf.newaxis] + cut)

    # The mask over [batch, H, W * C] (channels repeated), so the multiply broadcasts over
    # the rows only (broadcasting over the small channel axis is slow on a CPU).
    rows = inside(height, cut_h, corners[:, 0])
    cols = tf.repeat(inside(width, cut_w, corners[:, 1]), channels, axis=1)
    square = rows[:, :, tf.newaxis] & cols[:, tf.newaxis, :]
    flat = tf.reshape(images, [-1, height, width * channels])
    kept = flat * tf.cast(tf.logical_not(square), images.dtype)
    return tf.reshape(kept, tf.shape(images))


def apply_parameters(images, params: Dict[str, tf.Tensor],
                     policy: Union[str, Sequence[str], None] = None) -> tf.Tensor:
    """Augments images with parameters from :func:`draw_parameters`.

    Args:
        images: ``[batch, H, W, C]`` floats in [-1, 1] (any float dtype).
        params: the dict of :func:`draw_parameters` for the same batch size and image size.
        policy: the augmentations to apply, in order (default: those in ``params``, in the
            order of its keys, which is the policy's order for :func:`draw_parameters`).

    Returns:
        ``[batch, H, W, C]`` in the dtype of ``images``, differentiable with respect to them.
    """
    images = tf.convert_to_tensor(images)
    _spatial_size(images)
    if policy is None:
        names = tuple(_KEY_POLICY[key] for key in params if key in _KEY_POLICY)
    else:
        names = parse_policy(policy)
    for name in names:
        if name == "color":
            images = _color(images, params)
        elif name == "translation":
            images = _translate(images, tf.cast(params["translation"], tf.int32))
        elif name == "cutout":
            images = _cutout(images, tf.cast(params["cutout"], tf.int32))
    return images


def diff_augment(images, policy: Union[str, Sequence[str], None] = DEFAULT_POLICY,
                 seed: Seed = None) -> tf.Tensor:
    """DiffAugment of a batch of images (see the module docstring).

    Args:
        images: ``[batch, H, W, C]`` floats in [-1, 1] (float32, bfloat16 or float16).
        policy: comma-separated names from ``POLICIES``; ``""`` or ``None`` returns ``images``
            unchanged.
        seed: see :func:`draw_parameters`.

    Returns:
        The augmented images, ``[batch, H, W, C]`` in the dtype of ``images``.

    Raises:
        ValueError: an unknown policy name, or images that are not ``[batch, H, W, C]``.
    """
    names = parse_policy(policy)
    if not names:
        return images
    images = tf.convert_to_tensor(images)
    params = draw_parameters(names, tf.shape(images)[0], _spatial_size(images), seed=seed)
    return apply_parameters(images, params, names)
