"""Tests for tfgan.images: uint8 conversion, grid layout, PNG files."""

import os

import numpy as np
import pytest
import tensorflow as tf

from tfgan import images


def test_image_grid_layout():
    tiles = np.stack([np.full((2, 3, 1), v, np.uint8) for v in (10, 20, 30)])
    grid = images.image_grid(tiles, cols=2, padding=1, pad_value=0)
    assert grid.shape == (2 * 3 + 1, 2 * 4 + 1, 1)
    assert grid[1, 1, 0] == 10 and grid[1, 5, 0] == 20 and grid[4, 1, 0] == 30
    assert grid[4, 5, 0] == 0  # the empty cell is padding
    floats = images.to_uint8(np.array([-1.0, 0.0, 1.0, 2.0]))
    np.testing.assert_array_equal(floats, [0, 128, 255, 255])


def test_grid_shape():
    assert images.grid_shape(10) == (3, 4)
    assert images.grid_shape(10, rows=2) == (2, 5)
    assert images.grid_shape(10, cols=3) == (4, 3)
    with pytest.raises(ValueError, match="cannot hold"):
        images.grid_shape(10, rows=2, cols=3)
    with pytest.raises(ValueError, match=r"\[N, H, W, C\]"):
        images.image_grid(np.zeros((2, 2, 1)))


def test_save_image_grid_writes_a_png_atomically(tmp_path):
    batch = np.linspace(-1, 1, 4 * 5 * 5 * 3, dtype=np.float32).reshape(4, 5, 5, 3)
    path = images.save_image_grid(batch, str(tmp_path / "sub" / "grid.png"), rows=1)
    assert sorted(os.listdir(tmp_path / "sub")) == ["grid.png"]  # no temporary file left
    with open(path, "rb") as f:
        decoded = tf.io.decode_png(f.read()).numpy()
    np.testing.assert_array_equal(decoded, images.image_grid(batch, rows=1))
