"""Keras callbacks for GAN training: sample grids, checkpoints, metrics, progress, Ctrl-C.

They work in any ``fit`` of a ``tfgan.GAN`` (and ``train_lib`` uses exactly these)::

    writer = tf.summary.create_file_writer("runs/x/tensorboard")
    gan.fit(dataset.repeat(), steps_per_epoch=2000, epochs=1, verbose=0, callbacks=[
        tfgan.callbacks.SampleGrid("runs/x/samples", every_n_steps=500, summary_writer=writer),
        tfgan.callbacks.MetricsLogger("runs/x/metrics.csv", every_n_steps=100,
                                      summary_writer=writer),
        tfgan.callbacks.ProgressLogger(total_steps=2000),
    ])
    tfgan.plots.plot_loss_curve("runs/x/metrics.csv", "runs/x/loss_curve.png")

Steps are *global* training steps: ``model.batches_seen`` of a ``tfgan.GAN`` (restored with a
checkpoint, so a resumed run continues the numbering), or the number of batches since the
callback's ``fit`` began for other models. Cadences ("every n steps") are multiples of that
global step.

``EvaluateQuality`` (FID, KID and the Inception score every n steps, keeping the best
checkpoint) lives beside the evaluation it drives, in ``tfgan.quality``; image helpers
(``image_grid``, ``save_png``) in ``tfgan.images``; ``plot_loss_curve`` in ``tfgan.plots``.
Their old names here still work, with a ``DeprecationWarning``.

Why not ``keras.callbacks.CSVLogger`` / ``TensorBoard`` / the Keras progress bar: they count
epochs or batches of the current ``fit`` call, so a resumed run would restart at 0; these
callbacks key everything on the global step instead.
"""

import contextlib
import math
import os
import signal
import sys
import threading
import time
import warnings
from typing import Dict, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan import _aliases
from tfgan import _io
from tfgan import images as images_lib

__all__ = [
    "MetricsLogger",
    "PeriodicCheckpoint",
    "ProgressLogger",
    "SampleGrid",
    "StepCallback",
    "StopOnNonFinite",
    "StopOnSignal",
    "all_finite",
    "global_step",
    "interval_logs",
]

# Names that moved out of this module (still importable from here, with a DeprecationWarning).
__getattr__ = _aliases.moved(__name__, {
    "EvaluateQuality": "tfgan.quality.EvaluateQuality",
    "balanced_labels": "tfgan.sampling.balanced_labels",
    "generator_sample_fn": "tfgan.sampling.generator_sample_fn",
    "image_grid": "tfgan.images.image_grid",
    "plot_loss_curve": "tfgan.plots.plot_loss_curve",
    "read_metrics_csv": "tfgan.plots.read_metrics_csv",
    "save_image_grid": "tfgan.images.save_image_grid",
    "save_png": "tfgan.images.save_png",
    "to_uint8": "tfgan.images.to_uint8",
    "truncate_csv_after": "tfgan._io.truncate_csv_after",
})

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


class StepCallback(keras.callbacks.Callback):
    """Base of the step-keyed callbacks: tracks the global step (``model.batches_seen``, or
    the batches since ``fit`` began)."""

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


class SampleGrid(StepCallback):
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
                rows, cols = images_lib.grid_shape(self.num_samples)
            self._inputs = (z, labels, rows, cols)
        return self._inputs

    def write(self, step: int) -> str:
        """Generates the grid for ``step`` and writes it; returns the PNG's path."""
        z, labels, rows, cols = self._latents()
        images = np.asarray(self.model.generate(z=z, labels=labels))
        grid = images_lib.image_grid(images, rows, cols)
        path = os.path.join(self.directory, f"step_{step:07d}.png")
        images_lib.save_png(grid, path)
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                tf.summary.image("samples", grid[np.newaxis], step=step)
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


class PeriodicCheckpoint(StepCallback):
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
        # This callback keeps the cadence (multiples of the global step), not a manager's
        # checkpoint_interval.
        path = self.manager.save(checkpoint_number=step, check_interval=False)
        self.last_saved_step = step
        return path

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        if step % self.every_n_steps == 0 and step != self.last_saved_step:
            if not all_finite(logs):
                return  # never replace a good checkpoint with a diverged state
            self.save(step)

    def on_train_end(self, logs=None):
        step = self._step()
        if self.save_on_train_end and step != self.last_saved_step:
            self.save(step)


# --------------------------------------------------------------------------------------------
# Deprecated: TensorBoard writers (the callbacks call tf.summary.scalar / image directly)


def write_scalar_summary(name: str, value: float, step: int) -> None:
    """Deprecated: ``tf.summary.scalar(name, value, step=step)`` (default writer)."""
    warnings.warn("tfgan.callbacks.write_scalar_summary is deprecated: use tf.summary.scalar",
                  DeprecationWarning, stacklevel=2)
    tf.summary.scalar(name, float(value), step=step)


def write_image_summary(name: str, image: np.ndarray, step: int) -> None:
    """Deprecated: ``tf.summary.image`` of one uint8 ``[H, W, C]`` image (default writer)."""
    warnings.warn("tfgan.callbacks.write_image_summary is deprecated: use tf.summary.image",
                  DeprecationWarning, stacklevel=2)
    tf.summary.image(name, np.asarray(image)[np.newaxis], step=step)


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------
# Metrics


class MetricsLogger(StepCallback):
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
            fieldnames, _ = _io.truncate_csv_after(self.path, step)
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
        _io.append_csv_row(self.path, self._columns, row)
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                for key, value in row.items():
                    if key in ("step", "time") or not math.isfinite(value):
                        continue
                    name = key if key == "steps_per_sec" else f"metrics/{key}"
                    tf.summary.scalar(name, value, step=step)
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


# Progress


def _format_duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressLogger(StepCallback):
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


def all_finite(logs) -> bool:
    """Whether every value in ``logs`` (a Keras logs dict, or None) is finite."""
    return all(math.isfinite(float(v)) for v in (logs or {}).values())


class StopOnNonFinite(StepCallback):
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
        if self.step is None and not all_finite(logs):
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
