"""Keras callbacks for GAN training: sample grids, checkpoints, metrics, progress, Ctrl-C.

They work in any ``fit`` of a ``tfgan.GAN`` (and ``train_lib`` uses exactly these)::

    writer = tf.summary.create_file_writer("runs/x/tensorboard")
    gan.fit(dataset.repeat(), steps_per_epoch=2000, epochs=1, verbose=0, callbacks=[
        tfgan.callbacks.SampleGrid("runs/x/samples", every_n_steps=500, summary_writer=writer),
        tfgan.callbacks.MetricsLogger("runs/x/metrics.csv", every_n_steps=100,
                                      summary_writer=writer),
        tfgan.callbacks.ProgressLogger(total_steps=2000),
    ])
    tfgan.callbacks.plot_loss_curve("runs/x/metrics.csv", "runs/x/loss_curve.png")

Steps are *global* training steps: ``model.batches_seen`` of a ``tfgan.GAN`` (restored with a
checkpoint, so a resumed run continues the numbering), or the number of batches since the
callback's ``fit`` began for other models. Cadences ("every n steps") are multiples of that
global step.

``EvaluateQuality`` measures FID, KID and the Inception (MNIST) score of the generator every n
steps and keeps the best checkpoint and export (``bin/train.py --eval_every``).

Why not ``keras.callbacks.CSVLogger`` / ``TensorBoard`` / the Keras progress bar: they count
epochs or batches of the current ``fit`` call, so a resumed run would restart at 0; these
callbacks key everything on the global step instead.
"""

import contextlib
import csv
import json
import math
import os
import signal
import sys
import threading
import time
from typing import Callable, Dict, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from tfgan import evaluation

__all__ = [
    "EvaluateQuality",
    "MetricsLogger",
    "PeriodicCheckpoint",
    "ProgressLogger",
    "SampleGrid",
    "StopOnNonFinite",
    "StopOnSignal",
    "global_step",
    "generator_sample_fn",
    "image_grid",
    "interval_logs",
    "plot_loss_curve",
    "read_metrics_csv",
    "save_image_grid",
    "save_png",
    "to_uint8",
    "write_image_summary",
    "write_scalar_summary",
]


# --------------------------------------------------------------------------------------------
# Images


def to_uint8(images) -> np.ndarray:
    """Float images in [-1, 1] to uint8 pixels ``round((x + 1) * 127.5)``, clipped."""
    images = np.asarray(images, dtype=np.float32)
    return np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)


def _grid_shape(num: int, rows: Optional[int], cols: Optional[int]):
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
    rows, cols = _grid_shape(num, rows, cols)
    grid = np.full((rows * (height + padding) + padding, cols * (width + padding) + padding,
                    channels), pad_value, dtype=np.uint8)
    for i in range(num):
        r, c = divmod(i, cols)
        top, left = padding + r * (height + padding), padding + c * (width + padding)
        grid[top:top + height, left:left + width] = images[i]
    return grid


def _atomic_write(path: str, data: bytes) -> None:
    """Writes ``data`` to a temporary sibling and renames it: never a half-written file."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save_png(image, path: str) -> str:
    """Writes a uint8 ``[H, W, C]`` (C = 1, 3 or 4) image as a PNG, atomically."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = to_uint8(image)
    _atomic_write(path, tf.io.encode_png(image).numpy())
    return path


def save_image_grid(images, path: str, rows: Optional[int] = None,
                    cols: Optional[int] = None, padding: int = 2) -> str:
    """``image_grid`` written to ``path`` as a PNG (atomically); returns ``path``."""
    return save_png(image_grid(images, rows, cols, padding), path)


# --------------------------------------------------------------------------------------------
# TensorBoard summaries with TensorFlow alone
#
# tf.summary.scalar/image live in the tensorboard package, which TensorFlow no longer
# requires; these write the same records (TensorBoard's scalar and image plugin formats) with
# the core tf.summary.write op, so logging works whether or not tensorboard is installed.


def _plugin_metadata(plugin_name: str, data_class) -> summary_pb2.SummaryMetadata:
    metadata = summary_pb2.SummaryMetadata()
    metadata.plugin_data.plugin_name = plugin_name
    metadata.data_class = data_class
    return metadata


def write_scalar_summary(name: str, value: float, step: int) -> None:
    """Writes a TensorBoard scalar to the default ``tf.summary`` writer."""
    tf.summary.write(name, tf.constant(float(value), tf.float32), step=step,
                     metadata=_plugin_metadata("scalars", summary_pb2.DATA_CLASS_SCALAR))


def write_image_summary(name: str, image: np.ndarray, step: int) -> None:
    """Writes a uint8 ``[H, W, C]`` image as a TensorBoard image to the default writer."""
    height, width = image.shape[:2]
    png = tf.io.encode_png(image)
    tensor = tf.stack([tf.constant(str(width)), tf.constant(str(height)), png])
    tf.summary.write(name, tensor, step=step,
                     metadata=_plugin_metadata("images", summary_pb2.DATA_CLASS_BLOB_SEQUENCE))


# --------------------------------------------------------------------------------------------
# Steps


def global_step(model) -> Optional[int]:
    """The model's global training step: ``batches_seen`` of a ``tfgan.GAN``, else None."""
    variable = getattr(model, "batches_seen", None)
    if variable is None:
        return None
    return int(np.asarray(variable))


def interval_logs(model, logs) -> Dict[str, float]:
    """``logs`` as floats, with NaN for metrics that saw no update since their last reset.

    A ``tfgan.GAN`` with ``g_every > 1`` updates ``g_loss`` only on some batches; an interval
    without a generator update then reports NaN (blank in the CSV) rather than a fake 0.
    A GAN's ``loss`` (``d_loss + g_loss``, logged for Keras callbacks that watch ``loss``)
    is left out: the sum of two adversarial losses tells a person nothing.
    """
    values = {k: float(v) for k, v in (logs or {}).items()}
    if "d_loss" in values and "g_loss" in values:
        values.pop("loss", None)
    strategy = getattr(model, "distribute_strategy", None)
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        # Reading a metric's count there is a collective all-reduce, which would hang or
        # abort unless every worker read it too; only the chief logs, so skip the check.
        return values
    for metric in getattr(model, "metrics", []):
        count = getattr(metric, "count", None)
        if metric.name in values and count is not None and float(np.asarray(count)) == 0:
            values[metric.name] = float("nan")
    return values


class _StepCallback(keras.callbacks.Callback):
    """Tracks the global step: ``model.batches_seen`` or batches since ``fit`` began."""

    def __init__(self):
        super().__init__()
        self._batches = 0

    def _step(self) -> int:
        step = global_step(self.model)
        return self._batches if step is None else step

    def on_train_begin(self, logs=None):
        self._batches = 0

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1


# --------------------------------------------------------------------------------------------
# Sample grids


class SampleGrid(_StepCallback):
    """Writes a grid of generated images from a fixed latent batch every ``n`` steps.

    The latent vectors are drawn once from ``numpy.random.default_rng(seed)``, so successive
    grids (and the grids of a resumed run) show the same ``z`` as training progresses. For a
    conditional GAN the grid has one row per class, and the images of a column share their
    ``z``. Files are ``<directory>/step_0001000.png`` (written atomically); with a
    ``summary_writer`` the grid is also logged as the TensorBoard image ``samples``.

    The model must be a ``tfgan.GAN`` (anything with ``latent_dim``, ``num_classes`` and
    ``generate(z=..., labels=...)``).

    Args:
        directory: where the PNG files go (created).
        every_n_steps: cadence in global steps.
        num_samples: images per grid (conditional: about ``num_samples / num_classes`` per
            class, at least one).
        seed: seed of the fixed latent batch.
        summary_writer: optional ``tf.summary`` writer for TensorBoard images.
        write_on_train_end: also write a grid at the last step of ``fit``.
    """

    def __init__(self, directory: str, every_n_steps: int = 500, num_samples: int = 64,
                 seed: int = 0, summary_writer=None, write_on_train_end: bool = True):
        super().__init__()
        if every_n_steps < 1 or num_samples < 1:
            raise ValueError("every_n_steps and num_samples must be positive")
        self.directory = directory
        self.every_n_steps = int(every_n_steps)
        self.num_samples = int(num_samples)
        self.seed = seed
        self.summary_writer = summary_writer
        self.write_on_train_end = write_on_train_end
        self.last_written_step = None
        self._inputs = None

    def _latents(self):
        """``(z, labels, rows, cols)`` of the fixed sample batch (computed once)."""
        if self._inputs is None:
            rng = np.random.default_rng(self.seed)
            latent_dim = int(self.model.latent_dim)
            num_classes = getattr(self.model, "num_classes", None)
            if num_classes:
                cols = max(1, int(round(self.num_samples / num_classes)))
                z = rng.standard_normal((cols, latent_dim)).astype(np.float32)
                z = np.tile(z, (num_classes, 1))
                labels = np.repeat(np.arange(num_classes, dtype=np.int32), cols)
                rows = num_classes
            else:
                z = rng.standard_normal((self.num_samples, latent_dim)).astype(np.float32)
                labels = None
                rows, cols = _grid_shape(self.num_samples, None, None)
            self._inputs = (z, labels, rows, cols)
        return self._inputs

    def write(self, step: int) -> str:
        """Generates the grid for ``step`` and writes it; returns the PNG's path."""
        z, labels, rows, cols = self._latents()
        images = np.asarray(self.model.generate(z=z, labels=labels))
        grid = image_grid(images, rows, cols)
        path = os.path.join(self.directory, f"step_{step:07d}.png")
        save_png(grid, path)
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                write_image_summary("samples", grid, step)
            self.summary_writer.flush()
        self.last_written_step = step
        return path

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        if step % self.every_n_steps == 0 and step != self.last_written_step:
            self.write(step)

    def on_train_end(self, logs=None):
        step = self._step()
        if self.write_on_train_end and step != self.last_written_step:
            self.write(step)


# --------------------------------------------------------------------------------------------
# Checkpoints


class PeriodicCheckpoint(_StepCallback):
    """Saves a ``tf.train.CheckpointManager`` every ``n`` global steps (numbered by step).

    Args:
        manager: the ``tf.train.CheckpointManager`` (it writes atomically and keeps the last
            ``max_to_keep``).
        every_n_steps: cadence in global steps.
        save_on_train_end: also save at the last step of ``fit`` (if not just saved).
    """

    def __init__(self, manager: tf.train.CheckpointManager, every_n_steps: int = 500,
                 save_on_train_end: bool = False):
        super().__init__()
        if every_n_steps < 1:
            raise ValueError("every_n_steps must be positive")
        self.manager = manager
        self.every_n_steps = int(every_n_steps)
        self.save_on_train_end = save_on_train_end
        self.last_saved_step = None

    def save(self, step: int) -> str:
        path = self.manager.save(checkpoint_number=step)
        self.last_saved_step = step
        return path

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        if step % self.every_n_steps == 0 and step != self.last_saved_step:
            if not _all_finite(logs):
                return  # never replace a good checkpoint with a diverged state
            self.save(step)

    def on_train_end(self, logs=None):
        step = self._step()
        if self.save_on_train_end and step != self.last_saved_step:
            self.save(step)


# --------------------------------------------------------------------------------------------
# Metrics


def read_metrics_csv(path: str) -> Dict[str, np.ndarray]:
    """Reads a ``MetricsLogger`` CSV into ``{column: float array}`` (empty dict if no file)."""
    if not os.path.exists(path):
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    columns = {}
    for key in rows[0]:
        columns[key] = np.array([_to_float(row.get(key)) for row in rows], dtype=np.float64)
    return columns


def truncate_csv_after(path: str, step: int):
    """Drops the rows of a step-keyed CSV after ``step`` (atomically); for resumed runs.

    Returns:
        ``(fieldnames, kept_rows)`` of the file after truncation.
    """
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        fieldnames, rows = reader.fieldnames, list(reader)
    kept = [r for r in rows if _to_float(r.get("step")) <= step]
    if fieldnames and len(kept) != len(rows):
        tmp = path + ".tmp"
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fieldnames, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(kept)
        os.replace(tmp, path)
    return fieldnames, kept


def _to_float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


class MetricsLogger(_StepCallback):
    """Every ``n`` global steps: one CSV row and TensorBoard scalars of the training metrics.

    Each row holds ``step``, the model's metrics averaged over the steps since the previous
    row (the callback resets the model's metric trackers after each row), ``steps_per_sec``
    over that interval and the Unix ``time``. A final row is written at the end of ``fit``.
    When a run resumes from a checkpoint, rows of steps beyond the restored step (written
    after the last checkpoint of a killed run) are dropped first, so the file never holds two
    rows for one step.

    Args:
        path: the CSV file (appended to; the header is written once).
        every_n_steps: cadence in global steps.
        summary_writer: optional ``tf.summary`` writer for TensorBoard scalars
            (``metrics/<name>`` and ``steps_per_sec``).
        reset_metrics: reset the model's metrics after each row (interval means). Without it
            the values are Keras' running means since the start of the epoch.
    """

    def __init__(self, path: str, every_n_steps: int = 100, summary_writer=None,
                 reset_metrics: bool = True):
        super().__init__()
        if every_n_steps < 1:
            raise ValueError("every_n_steps must be positive")
        self.path = path
        self.every_n_steps = int(every_n_steps)
        self.summary_writer = summary_writer
        self.reset_metrics = reset_metrics
        self._columns = None
        self._last = None  # (step, time) of the previous row
        self._reset_pending = False

    def _truncate_after(self, step: int) -> None:
        if os.path.exists(self.path):
            fieldnames, _ = truncate_csv_after(self.path, step)
            self._columns = fieldnames or None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        step = self._step()
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self._truncate_after(step)
        self._last = (step, time.time())

    def _write_row(self, step: int, logs: Dict[str, float]) -> None:
        now = time.time()
        last_step, last_time = self._last
        rate = (step - last_step) / max(now - last_time, 1e-9) if step > last_step else 0.0
        row = {"step": step}
        logs = interval_logs(self.model, logs)
        # The model's metric order (d_loss, g_loss, gp, d_real, d_fake), then anything else.
        for name in [m.name for m in self.model.metrics] + sorted(logs):
            if name in logs and name not in row:
                row[name] = float(logs[name])
        row["steps_per_sec"] = rate
        row["time"] = now
        if self._columns is None:
            self._columns = list(row)
        new_file = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        with open(self.path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self._columns, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow({k: _format_cell(k, v) for k, v in row.items()})
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                for key, value in row.items():
                    if key in ("step", "time") or not math.isfinite(value):
                        continue
                    name = key if key == "steps_per_sec" else f"metrics/{key}"
                    write_scalar_summary(name, value, step)
            self.summary_writer.flush()
        self._last = (step, now)

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        if step % self.every_n_steps == 0 and step > self._last[0]:
            self._write_row(step, logs)
            # Reset before the next batch, not now: other callbacks still read this batch's
            # values in their on_train_batch_end.
            self._reset_pending = self.reset_metrics

    def on_train_batch_begin(self, batch, logs=None):
        if self._reset_pending:
            for metric in self.model.metrics:
                metric.reset_state()
            self._reset_pending = False

    def on_train_end(self, logs=None):
        step = self._step()
        if step > self._last[0] and logs:
            self._write_row(step, logs)


def _format_cell(key, value):
    if not isinstance(value, float) or key == "time":
        return value
    return "" if math.isnan(value) else f"{value:.6g}"


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
    directory = os.path.dirname(os.path.abspath(png_path))
    os.makedirs(directory, exist_ok=True)
    tmp = os.path.join(directory, f".{os.path.basename(png_path)}.tmp-{os.getpid()}.png")
    figure.savefig(tmp, format="png")
    os.replace(tmp, png_path)
    return png_path


# --------------------------------------------------------------------------------------------
# Sample quality


def generator_sample_fn(generate: Callable, latent_dim: int, num_classes: Optional[int] = None,
                        seed: int = 0) -> Callable[[int], np.ndarray]:
    """A ``sample_fn(n) -> images`` for ``tfgan.evaluation.evaluate_generator``.

    Successive calls continue one stream of latent vectors from
    ``numpy.random.default_rng(seed)``; for a conditional generator the labels cycle through
    ``0 .. num_classes - 1`` across calls, so every class gets the same share of the samples
    (within one image).

    Args:
        generate: ``generate(z, labels) -> images`` (``labels`` None when unconditional), e.g.
            ``lambda z, labels: gan.generate(z=z, labels=labels)`` or a
            ``train_lib.Sampler``'s ``generate``.
        latent_dim: size of ``z``.
        num_classes: number of classes of a conditional generator, else None.
        seed: seed of the latent vectors.

    Returns:
        The sampling function (stateful: create a new one per evaluation).
    """
    rng = np.random.default_rng(seed)
    drawn = [0]

    def sample(n: int) -> np.ndarray:
        z = rng.standard_normal((n, int(latent_dim))).astype(np.float32)
        labels = None
        if num_classes:
            labels = balanced_labels(n, num_classes, start=drawn[0])
        drawn[0] += n
        return np.asarray(generate(z, labels), np.float32)

    return sample


def balanced_labels(num: int, num_classes: int, start: int = 0) -> np.ndarray:
    """The labels ``generator_sample_fn`` requests: ``start, start + 1, ...`` modulo classes.

    ``balanced_labels(n, k)`` are the labels of the first ``n`` images of a fresh
    ``generator_sample_fn(..., num_classes=k)``, whatever the batch sizes it was called with
    (e.g. for ``tfgan.evaluation.evaluate_generator(..., labels=...)``).

    Returns:
        int32 ``[num]``.
    """
    return ((int(start) + np.arange(int(num))) % int(num_classes)).astype(np.int32)


class EvaluateQuality(_StepCallback):
    """Every ``n`` global steps: FID, KID and Inception score; keeps the best model.

    The generator (a ``tfgan.GAN``, in inference mode) draws ``num_samples`` images from a
    fixed latent stream (the same ``z`` at every evaluation, balanced labels for a conditional
    model), which are compared with ``real_stats``, the real images' activations computed once
    with the same extractor. A conditional model scored by the MNIST classifier also gets its
    class accuracy (the fraction of samples classified as the digit requested, see
    ``tfgan.evaluation.class_accuracy_applies``). Each evaluation

    * appends ``step,fid,kid,kid_std,inception_score,inception_score_std,class_accuracy,
      seconds,time`` to ``csv_path`` (rows after the restored step of a resumed run are
      dropped first; a file begun with fewer columns keeps its header);
    * logs the TensorBoard scalars ``eval/fid``, ``eval/kid``, ``eval/<score_name>`` and
      ``eval/class_accuracy``;
    * prints one line through ``log``;
    * when the FID is the lowest so far: saves ``best_manager`` (a ``CheckpointManager``
      with ``max_to_keep=1``), calls ``export_fn(step, checkpoint_path)`` and then writes
      ``best_json`` (``step``, ``fid``, ``kid``, ``inception_score``, ``score_name``,
      ``num_samples``, ``extractor``, ``checkpoint``, ``export``) atomically, last, so it
      only ever names files that exist.

    A resumed run reads the best FID back from ``best_json`` and keeps improving on it, unless
    the number of samples or the extractor changed (FID is not comparable across them): then
    the next evaluation starts a new best. Evaluations are skipped on steps with non-finite
    metrics, and at the end of a ``fit`` stopped early (Ctrl-C, divergence) or without batches.

    Under ``MultiWorkerMirroredStrategy`` every worker must take part in a checkpoint save.
    The chief evaluates; the other workers run this callback with ``follower=True`` (nothing
    measured or written but their share of the best checkpoint, into their own
    ``best_manager``), and all call ``agree(decision)`` at each evaluation step, which returns
    the chief's decision to save a new best.

    Args:
        real_stats: ``tfgan.evaluation.ActivationStats`` of the real images.
        extractor: the feature extractor (a callable, or "mnist" / "inception_v3").
        every_n_steps: cadence in global steps.
        num_samples: generated images per evaluation.
        csv_path: the CSV file (appended to; the header is written once).
        summary_writer: optional ``tf.summary`` writer for the scalars.
        best_manager: ``tf.train.CheckpointManager`` for the best state, or None (no best
            tracking).
        best_json: path of the JSON describing the best evaluation (with ``best_manager``).
        export_fn: optional ``export_fn(step, checkpoint_path) -> export path``, called after
            a new best checkpoint is saved.
        extractor_name: the extractor's name, recorded in ``best_json``.
        score_name: name of the Inception score in logs ("mnist_score" with the MNIST
            classifier).
        batch_size: images per generator / extractor call.
        kid_subsets: KID subsets (fewer than the final evaluation's 100 keeps it cheap).
        kid_subset_size: images per KID subset (clipped to the sample sizes).
        seed: seed of the latent vectors and the KID subsets.
        evaluate_on_train_end: also evaluate the last step of ``fit``.
        log: called with one line per evaluation (default ``print``).
        agree: ``agree(save_new_best) -> bool``, called on every worker of a cluster at each
            evaluation step; returns the chief's decision (a collective: see above).
        follower: a non-chief worker of a cluster: ``real_stats``, ``extractor`` and
            ``csv_path`` are unused; only ``best_manager`` saves, when ``agree`` says so.
    """

    CSV_COLUMNS = ("step", "fid", "kid", "kid_std", "inception_score", "inception_score_std",
                   "class_accuracy", "seconds", "time")

    def __init__(self, real_stats: evaluation.ActivationStats, extractor, every_n_steps: int,
                 num_samples: int = 2000, *, csv_path: str, summary_writer=None,
                 best_manager: Optional[tf.train.CheckpointManager] = None,
                 best_json: Optional[str] = None, export_fn: Optional[Callable] = None,
                 extractor_name: str = "", score_name: str = "inception_score",
                 batch_size: int = 500, kid_subsets: int = 20, kid_subset_size: int = 1000,
                 seed: int = 0, evaluate_on_train_end: bool = True,
                 log: Optional[Callable[[str], None]] = None,
                 agree: Optional[Callable[[bool], bool]] = None, follower: bool = False):
        super().__init__()
        if every_n_steps < 1 or num_samples < 2:
            raise ValueError("every_n_steps must be positive and num_samples at least 2")
        if best_manager is not None and not best_json and not follower:
            raise ValueError("best_json is required with best_manager")
        if follower and agree is None:
            raise ValueError("a follower needs agree")
        self.agree = agree
        self.follower = follower
        self.real_stats = real_stats
        self.extractor = None if follower else evaluation.get_extractor(extractor)
        self.every_n_steps = int(every_n_steps)
        self.num_samples = int(num_samples)
        self.csv_path = csv_path
        self.summary_writer = summary_writer
        self.best_manager = best_manager
        self.best_json = best_json
        self.export_fn = export_fn
        self.extractor_name = extractor_name or getattr(self.extractor, "name", "")
        self.score_name = score_name
        self.batch_size = int(batch_size)
        self.kid_subsets = int(kid_subsets)
        self.kid_subset_size = int(kid_subset_size)
        self.seed = seed
        self.evaluate_on_train_end = evaluate_on_train_end
        self.log = log or (lambda line: print(line, flush=True))
        self.best = None  # the best_json dict
        self.last_evaluated_step = None
        self.history = []  # one dict per evaluation of this fit
        self._columns = self.CSV_COLUMNS  # an existing file's header wins

    # -- state across resumptions -------------------------------------------------------

    def _read_best(self) -> None:
        self.best = None
        if not self.best_json or not os.path.exists(self.best_json):
            return
        try:
            with open(self.best_json) as f:
                best = json.load(f)
        except (OSError, ValueError):
            return
        if (best.get("num_samples") == self.num_samples
                and best.get("extractor") == self.extractor_name):
            self.best = best
        else:
            self.log(f"Best-checkpoint tracking restarts: {self.best_json} was measured with "
                     f"{best.get('num_samples')} samples and the {best.get('extractor')!r} "
                     f"extractor, now {self.num_samples} and {self.extractor_name!r}.")

    def _truncate_csv_after(self, step: int) -> None:
        if not os.path.exists(self.csv_path):
            return
        fieldnames, kept = truncate_csv_after(self.csv_path, step)
        self._columns = tuple(fieldnames or self.CSV_COLUMNS)
        if any(_to_float(r.get("step")) == step for r in kept):
            self.last_evaluated_step = step

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.history = []
        self.last_evaluated_step = None
        self._columns = self.CSV_COLUMNS
        if self.follower:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.csv_path)), exist_ok=True)
        self._truncate_csv_after(self._step())
        self._read_best()

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(self, step: int) -> Dict[str, float]:
        """Evaluates the model now, logs the result as the one of ``step``; returns it
        (an empty dict on a follower)."""
        if self.follower:
            if self.agree(False) and self.best_manager is not None:
                self.best_manager.save(checkpoint_number=step)
            self.last_evaluated_step = step
            return {}
        started = time.time()
        model = self.model
        num_classes = getattr(model, "num_classes", None)
        sample_fn = generator_sample_fn(
            lambda z, labels: model.generate(z=z, labels=labels), model.latent_dim,
            num_classes, seed=self.seed)
        labels = None
        if evaluation.class_accuracy_applies(self.extractor_name, num_classes):
            labels = balanced_labels(self.num_samples, num_classes)
        metrics = evaluation.evaluate_generator(
            sample_fn, self.real_stats, self.extractor, num_samples=self.num_samples,
            batch_size=self.batch_size, kid_subsets=self.kid_subsets,
            kid_subset_size=self.kid_subset_size, seed=self.seed, labels=labels)
        metrics["seconds"] = time.time() - started
        metrics["step"] = step
        self._write_row(step, metrics)
        improved = self.best_manager is not None and (
            self.best is None or metrics["fid"] < self.best["fid"])
        if self.agree is not None:
            improved = self.agree(improved)
        if improved:
            self._save_best(step, metrics)
        score = metrics.get("inception_score")
        score_text = f" - {self.score_name} {score:.3f}" if score is not None else ""
        if metrics.get("class_accuracy") is not None:
            score_text += f" - class accuracy {metrics['class_accuracy']:.3f}"
        self.log(f"eval step {step}: fid {metrics['fid']:.3f} - kid {metrics['kid']:.4f}"
                 f"{score_text} ({self.num_samples} samples, {metrics['seconds']:.1f} s)"
                 + (" - new best" if improved else ""))
        self.last_evaluated_step = step
        self.history.append(metrics)
        return metrics

    def _write_row(self, step: int, metrics: Dict[str, float]) -> None:
        row = {"step": step, "time": time.time()}
        row.update({k: metrics[k] for k in self.CSV_COLUMNS if k in metrics and k != "step"})
        new_file = not os.path.exists(self.csv_path) or os.path.getsize(self.csv_path) == 0
        with open(self.csv_path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self._columns, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow({k: _format_cell(k, v) for k, v in row.items()})
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                write_scalar_summary("eval/fid", metrics["fid"], step)
                write_scalar_summary("eval/kid", metrics["kid"], step)
                if "inception_score" in metrics:
                    write_scalar_summary(f"eval/{self.score_name}",
                                         metrics["inception_score"], step)
                if "class_accuracy" in metrics:
                    write_scalar_summary("eval/class_accuracy", metrics["class_accuracy"],
                                         step)
            self.summary_writer.flush()

    def _save_best(self, step: int, metrics: Dict[str, float]) -> None:
        checkpoint = self.best_manager.save(checkpoint_number=step)
        export = self.export_fn(step, checkpoint) if self.export_fn is not None else None
        best = {
            "step": step,
            "fid": metrics["fid"],
            "kid": metrics["kid"],
            "kid_std": None if math.isnan(metrics["kid_std"]) else metrics["kid_std"],
            "inception_score": metrics.get("inception_score"),
            "inception_score_std": metrics.get("inception_score_std"),
            "class_accuracy": metrics.get("class_accuracy"),
            "score_name": self.score_name,
            "num_samples": self.num_samples,
            "num_real_samples": metrics.get("num_real_samples"),
            "extractor": self.extractor_name,
            "checkpoint": checkpoint,
            "export": export,
        }
        _atomic_write(self.best_json, (json.dumps(best, indent=2, sort_keys=True) + "\n")
                      .encode())
        self.best = best

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        if step % self.every_n_steps == 0 and step != self.last_evaluated_step:
            if not _all_finite(logs):
                return  # a diverged state is neither measured nor kept
            self.evaluate(step)

    def on_train_end(self, logs=None):
        step = self._step()
        if (self.evaluate_on_train_end and step != self.last_evaluated_step
                and self._batches > 0 and not getattr(self.model, "stop_training", False)):
            self.evaluate(step)


# --------------------------------------------------------------------------------------------
# Progress


def _format_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLogger(_StepCallback):
    """A progress line with the global step, steps/s, ETA and the metrics.

    On a terminal the line is redrawn in place a few times a second (like Keras' progress
    bar, but counting global steps so a resumed run shows its true position); otherwise one
    line is printed every ``every_n_steps`` steps and at the end, which keeps log files short.

    Args:
        total_steps: the step training ends at (the run's ``train_steps``).
        every_n_steps: line cadence when not on a terminal.
        stream: where to print (default ``sys.stdout``).
        dynamic: force (True) or disable (False) in-place redrawing; default: whether
            ``stream`` is a terminal.
        width: width of the bar in characters.
    """

    def __init__(self, total_steps: int, every_n_steps: int = 100, stream=None,
                 dynamic: Optional[bool] = None, width: int = 20):
        super().__init__()
        self.total_steps = int(total_steps)
        self.every_n_steps = max(1, int(every_n_steps))
        self.stream = stream
        self._dynamic = dynamic
        self.width = width
        self._rate = None
        self._anchor = None  # (step, time) the rate is measured from
        self._last_print = 0.0
        self._printed_dynamic = False

    @property
    def _out(self):
        return self.stream or sys.stdout

    def _is_dynamic(self) -> bool:
        if self._dynamic is not None:
            return self._dynamic
        isatty = getattr(self._out, "isatty", None)
        return bool(isatty and isatty())

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._anchor = None
        self._rate = None

    def _line(self, step: int, logs) -> str:
        fraction = min(max(step / self.total_steps, 0.0), 1.0) if self.total_steps else 1.0
        filled = int(round(self.width * fraction))
        bar = "=" * filled + "." * (self.width - filled)
        digits = len(str(self.total_steps))
        parts = [f"step {step:>{digits}d}/{self.total_steps} [{bar}] {100 * fraction:3.0f}%"]
        if self._rate:
            parts.append(f"{self._rate:.2f} steps/s")
            if step < self.total_steps:
                parts.append(f"ETA {_format_duration((self.total_steps - step) / self._rate)}")
        logs = interval_logs(self.model, logs)
        for key in [m.name for m in self.model.metrics] + sorted(logs):
            if key in logs:
                value = logs.pop(key)
                parts.append(f"{key} {value:.4g}" if math.isfinite(value) else f"{key} n/a")
        return " - ".join(parts)

    def _update_rate(self, step: int, now: float, printing: bool) -> None:
        # Measured from the end of the first batch, so tracing time does not count; on a
        # terminal an exponential average over windows of at least one second, otherwise the
        # rate over the interval since the previous line.
        if self._anchor is None:
            self._anchor = (step, now)
            return
        anchor_step, anchor_time = self._anchor
        window = now - anchor_time
        if step > anchor_step and window > 0 and (window >= 1.0 or printing):
            rate = (step - anchor_step) / window
            if self._rate is None or not self._is_dynamic():
                self._rate = rate
            else:
                self._rate = 0.5 * self._rate + 0.5 * rate
            self._anchor = (step, now)

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        now = time.time()
        printing = (not self._is_dynamic()
                    and (step % self.every_n_steps == 0 or step >= self.total_steps))
        self._update_rate(step, now, printing)
        if self._is_dynamic():
            if now - self._last_print >= 0.25 or step >= self.total_steps:
                self._out.write("\r" + self._line(step, logs) + "\033[K")
                self._out.flush()
                self._last_print = now
                self._printed_dynamic = True
        elif printing:
            self._out.write(self._line(step, logs) + "\n")
            self._out.flush()

    def on_train_end(self, logs=None):
        if self._printed_dynamic:
            self._out.write("\n")
            self._out.flush()


# --------------------------------------------------------------------------------------------
# Interruption


def _all_finite(logs) -> bool:
    return all(math.isfinite(float(v)) for v in (logs or {}).values())


class StopOnNonFinite(_StepCallback):
    """Stops ``fit`` at the first batch whose logged metrics are NaN or infinite.

    Like ``keras.callbacks.TerminateOnNaN`` but watching every metric (a GAN logs ``d_loss``
    and ``g_loss``, not ``loss``); ``step`` records where it happened (None if it did not).
    ``PeriodicCheckpoint`` skips such batches too, so the last checkpoint stays good.
    """

    def __init__(self):
        super().__init__()
        self.step = None
        self.logs = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.step = None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.step is None and not _all_finite(logs):
            self.step = self._step()
            self.logs = dict(logs)
            self.model.stop_training = True


class StopOnSignal(keras.callbacks.Callback):
    """Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop after the current batch.

    The first signal sets ``received`` and makes ``fit`` return after the batch in flight, so
    the caller can save a checkpoint of a consistent state; a second SIGINT raises
    ``KeyboardInterrupt`` at once, except inside ``deferred()`` (the caller's checkpoint
    write), where it only sets ``aborted``. Handlers are installed at ``fit`` start (main
    thread only) and restored at its end or by ``restore()``.

    Args:
        signals: the signals to handle.
        message: printed (to stderr) when the first signal arrives.
        restore_on_train_end: restore the previous handlers when ``fit`` ends (and when a
            second SIGINT raises). False keeps them until the caller's ``restore()``, so a
            signal during the writes after ``fit`` still stops cleanly.
    """

    def __init__(self, signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM),
                 message: str = "\nInterrupted: stopping after this step (press Ctrl-C again "
                                "to abort at once)...",
                 restore_on_train_end: bool = True):
        super().__init__()
        self.signals = tuple(signals)
        self.message = message
        self.restore_on_train_end = restore_on_train_end
        self.received = None
        self.aborted = False
        self._deferring = False
        self._previous = {}

    def _handler(self, signum, frame):
        if self.received is not None and signum == signal.SIGINT:
            if self._deferring:
                if not self.aborted:
                    print("\nSaving the checkpoint first; exiting once it is written...",
                          file=sys.stderr, flush=True)
                self.aborted = True
                return
            if self.restore_on_train_end:
                self.restore()
            raise KeyboardInterrupt
        self.received = signum
        print(self.message, file=sys.stderr, flush=True)
        if self.model is not None:
            self.model.stop_training = True

    @contextlib.contextmanager
    def deferred(self):
        """A block (a checkpoint write) that a second SIGINT does not interrupt: it sets
        ``aborted`` instead, for the caller to act on after the block."""
        previous, self._deferring = self._deferring, True
        try:
            yield
        finally:
            self._deferring = previous

    def install(self) -> None:
        """Installs the handlers (no-op outside the main thread)."""
        if threading.current_thread() is not threading.main_thread() or self._previous:
            return
        for signum in self.signals:
            self._previous[signum] = signal.signal(signum, self._handler)

    def restore(self) -> None:
        """Puts the previous handlers back."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous = {}

    def on_train_begin(self, logs=None):
        self.received = None
        self.aborted = False
        self.install()

    def on_train_batch_end(self, batch, logs=None):
        if self.received is not None:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.restore_on_train_end:
            self.restore()
