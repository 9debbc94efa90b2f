"""Images as files: [-1, 1] floats to uint8 pixels, grids of samples, PNG files.

::

    grid = image_grid(gan.generate(z=z))          # uint8 [rows*(H+2)+2, cols*(W+2)+2, C]
    save_png(grid, "runs/x/samples/step_0001000.png")
    save_image_grid(images, "grid.png", rows=10)  # both at once
"""

import math
from typing import Optional, Tuple

import numpy as np

from tfgan import _io

__all__ = ["encode_png", "grid_shape", "image_grid", "save_image_grid", "save_png", "to_uint8"]


def to_uint8(images) -> np.ndarray:
    """Float images in [-1, 1] to uint8 pixels ``round((x + 1) * 127.5)``, clipped."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def grid_shape(num: int, rows: Optional[int] = None,
               cols: Optional[int] = None) -> Tuple[int, int]:
    """``(rows, cols)`` of a grid holding ``num`` images: near-square unless one is given.

    Raises:
        ValueError: the given ``rows`` and ``cols`` hold fewer than ``num`` images.
    """
    if rows is None and cols is None:
        cols = int(math.ceil(math.sqrt(num)))
    if cols is None:
        cols = int(math.ceil(num / rows))
    if rows is None:
        rows = int(math.ceil(num / cols))
    if rows * cols < num:
        raise ValueError(f"a {rows}x{cols} grid cannot hold {num} images")
    return rows, cols


def image_grid(images, rows: Optional[int] = None, cols: Optional[int] = None,
               padding: int = 2, pad_value: int = 255) -> np.ndarray:
    """Tiles a batch of images into one uint8 image.

    Args:
        images: ``[N, H, W, C]`` floats in [-1, 1] or uint8 pixels.
        rows, cols: grid shape; by default a near-square grid, filled row by row.
        padding: pixels between (and around) the tiles.
        pad_value: value of the padding pixels.

    Returns:
        uint8 ``[rows * (H + p) + p, cols * (W + p) + p, C]``.
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be [N, H, W, C], got shape {images.shape}")
    if images.dtype != np.uint8:
        images = to_uint8(images)
    num, height, width, channels = images.shape
    rows, cols = grid_shape(num, rows, cols)
    grid = np.full((rows * (height + padding) + padding, cols * (width + padding) + padding,
                    channels), pad_value, dtype=np.uint8)
    for i in range(num):
        r, c = divmod(i, cols)
        top, left = padding + r * (height + padding), padding + c * (width + padding)
        grid[top:top + height, left:left + width] = images[i]
    return grid


def encode_png(image) -> bytes:
    """PNG bytes of a ``[H, W, C]`` (C = 1, 3 or 4) image: uint8, or floats in [-1, 1]."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel  (PNG codec only)

    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = to_uint8(image)
    return tf.io.encode_png(image).numpy()


def save_png(image, path: str) -> str:
    """Writes a ``[H, W, C]`` (C = 1, 3 or 4) image as a PNG, atomically; returns ``path``."""
    return _io.atomic_write(path, encode_png(image))


def save_image_grid(images, path: str, rows: Optional[int] = None,
                    cols: Optional[int] = None, padding: int = 2) -> str:
    """``image_grid`` written to ``path`` as a PNG (atomically); returns ``path``."""
    return save_png(image_grid(images, rows, cols, padding), path)
