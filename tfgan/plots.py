"""Figures of a run's metrics: ``metrics.csv`` read back, the loss curve drawn.

::

    columns = read_metrics_csv("runs/x/metrics.csv")    # {"step": array, "d_loss": array, ...}
    plot_loss_curve("runs/x/metrics.csv", "runs/x/loss_curve.png")
"""

from typing import Dict, Optional

import numpy as np

from tfgan import _io

__all__ = ["plot_loss_curve", "read_metrics_csv"]


def read_metrics_csv(path: str) -> Dict[str, np.ndarray]:
    """Reads a ``MetricsLogger`` CSV into ``{column: float array}`` (empty dict if no file).

    Empty cells (a metric without an update in that interval) read as NaN.
    """
    _, rows = _io.read_csv(path)
    if not rows:
        return {}
    return {key: np.array([_io.to_float(row.get(key)) for row in rows], dtype=np.float64)
            for key in rows[0]}


def plot_loss_curve(csv_path: str, png_path: str, title: Optional[str] = None) -> str:
    """Draws the losses (and the discriminator's outputs) of a metrics CSV into a PNG.

    Top panel: ``d_loss``, ``g_loss`` (and ``gp``) against the step; bottom panel: ``d_real``
    and ``d_fake``. Uses matplotlib's Agg canvas directly (no pyplot, no global backend).

    Returns:
        ``png_path``.

    Raises:
        ValueError: the CSV has no rows.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    columns = read_metrics_csv(csv_path)
    if not columns or "step" not in columns or len(columns["step"]) == 0:
        raise ValueError(f"{csv_path} holds no metrics rows to plot")
    steps = columns["step"]
    figure = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for key in ("d_loss", "g_loss", "gp"):
        if key in columns:
            top.plot(steps, columns[key], label=key, marker="." if len(steps) < 30 else None)
    top.set_ylabel("loss")
    top.legend(loc="best")
    top.grid(alpha=0.3)
    for key in ("d_real", "d_fake"):
        if key in columns:
            bottom.plot(steps, columns[key], label=key, marker="." if len(steps) < 30 else None)
    bottom.set_ylabel("D output")
    bottom.set_xlabel("step")
    bottom.legend(loc="best")
    bottom.grid(alpha=0.3)
    if title:
        top.set_title(title)
    figure.tight_layout()
    with _io.atomic_path(png_path) as tmp:
        figure.savefig(tmp, format="png")
    return png_path


# --------------------------------------------------------------------------------------------
# Sample quality
