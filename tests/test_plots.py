"""Tests for tfgan.plots: metrics.csv read back, the loss curve drawn."""

import os

import numpy as np
import pytest

from tfgan import _io
from tfgan import plots


def write_metrics(path, rows):
    columns = ["step", "d_loss", "g_loss", "d_real", "d_fake", "time"]
    for row in rows:
        _io.append_csv_row(path, columns, row)


def test_read_metrics_csv_reads_floats_and_blank_cells_as_nan(tmp_path):
    path = str(tmp_path / "metrics.csv")
    assert plots.read_metrics_csv(path) == {}
    write_metrics(path, [{"step": 10, "d_loss": 1.5, "g_loss": float("nan"), "time": 1.0},
                         {"step": 20, "d_loss": 1.25, "g_loss": 0.5, "time": 2.0}])
    columns = plots.read_metrics_csv(path)
    np.testing.assert_array_equal(columns["step"], [10, 20])
    assert np.isnan(columns["g_loss"][0]) and columns["g_loss"][1] == 0.5
    assert np.isnan(columns["d_real"]).all()  # never written


def test_plot_loss_curve_writes_a_png_and_refuses_an_empty_file(tmp_path):
    path = str(tmp_path / "metrics.csv")
    write_metrics(path, [{"step": s, "d_loss": 1.0 / s, "g_loss": 0.5, "d_real": 0.6,
                          "d_fake": 0.4, "time": float(s)} for s in (1, 2, 3)])
    png = plots.plot_loss_curve(path, str(tmp_path / "out" / "curve.png"), title="t")
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert os.listdir(tmp_path / "out") == ["curve.png"]
    with pytest.raises(ValueError, match="no metrics rows"):
        plots.plot_loss_curve(str(tmp_path / "missing.csv"), str(tmp_path / "x.png"))
