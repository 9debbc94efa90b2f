"""Training runs from a ``Config``: the one entry point the ``bin/`` scripts call.

::

    config = tfgan.config.Config(arch="dcgan", loss="wasserstein", gp_weight=10.0, g_every=5,
                                 g_lr=1e-4, d_lr=1e-4, beta1=0.0, beta2=0.9,
                                 data_dir="../shared/data/mnist/mnist.npz")
    result = train_and_evaluate(config, "runs/wgangp")   # resumes if runs/wgangp has a run
    gan, step, config = restore_gan("runs/wgangp")       # latest checkpoint, float32

The work directory (``workdir``)::

    config.json          the resolved config (rewritten with the resumable fields of each run)
    checkpoints/         tf.train.CheckpointManager: ckpt-<step>.* (both networks, both
                         optimizers, the step, the RNG state), the last --keep_checkpoints
    samples/             step_<step>.png grids of a fixed latent batch
    tensorboard/         scalars (metrics/d_loss, ...) and the sample images
    metrics.csv          step, d_loss, g_loss, [gp,] d_real, d_fake, steps_per_sec, time
    loss_curve.png       the losses against the step, drawn at the end
    export/<step>/       the generator SavedModel (unless --export_dir points elsewhere)
    eval.csv             with --eval_every: step, fid, kid, kid_std, inception_score, ...
    best/                with --eval_every: the checkpoint of the lowest FID so far, and
                         best.json (its step, fid, score)
    best_export/<step>/  with --eval_every: that checkpoint's generator SavedModel
    .lock                held by the running trainer (see tfgan.workdir)

Resuming: a work directory with a ``config.json`` is continued from its latest checkpoint at
the saved step; ``train_steps`` is the total, so only the remaining steps are trained. A config
that differs from the saved one in anything but ``config.RESUMABLE_FIELDS`` is refused with a
``ConfigError`` listing the differences; ``overwrite=True`` deletes the previous run's
artifacts first.

Interruption: the first SIGINT (Ctrl-C) or SIGTERM stops training after the current batch; a
checkpoint is saved and ``TrainingInterrupted`` (a ``KeyboardInterrupt``) is raised. A second
SIGINT ends the batch loop (or the sample grid and plot) at once but not a checkpoint write:
``TrainingInterrupted`` follows once the checkpoint is on disk. A run killed outright loses at
most ``checkpoint_every`` steps; the next run cleans up after it and resumes from the newest
checkpoint that loads (``tfgan.workdir``). Only states whose values are all finite are saved.
"""

import contextlib
import os
import shutil
import signal
import time
from typing import Any, Dict, Optional

import keras
import numpy as np
import tensorflow as tf

from tfgan import _aliases
from tfgan import callbacks as callbacks_lib
from tfgan import config as config_lib
from tfgan import distribute
from tfgan import evaluation
from tfgan import export as export_lib
from tfgan import plots
from tfgan import quality
from tfgan import task
from tfgan import workdir as workdir_lib
from tfgan.workdir import load_config, restore_gan  # pylint: disable=unused-import  (public API)

# Names that moved to tfgan.task, tfgan.workdir and tfgan.sampling (DeprecationWarning).
_MOVED = {name: f"tfgan.workdir.{name}" for name in (
    "CONFIG_FILE", "CHECKPOINT_DIR", "SAMPLES_DIR", "TENSORBOARD_DIR", "METRICS_FILE",
    "LOSS_CURVE_FILE", "EXPORT_DIR", "CHECKPOINT_PREFIX", "EVAL_FILE", "BEST_DIR", "BEST_JSON",
    "BEST_EXPORT_DIR", "check_workdir", "export_dir_of")}
_MOVED.update({name: f"tfgan.task.{name}" for name in (
    "build_dataset", "build_gan", "check_data", "make_checkpoint", "state_variables")})
_MOVED.update(Sampler="tfgan.sampling.Sampler",
              checkpoint_steps="tfgan.workdir.run_checkpoint_steps")
__getattr__ = _aliases.moved(__name__, _MOVED)


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on a signal after saving a checkpoint.

    Attributes:
        signum: the signal number (``signal.SIGINT`` or ``signal.SIGTERM``).
        step: the step of the checkpoint written.
        checkpoint: its path.
    """

    def __init__(self, signum: int, step: int, checkpoint: Optional[str]):
        super().__init__(f"interrupted by signal {signum} at step {step}")
        self.signum = signum
        self.step = step
        self.checkpoint = checkpoint


class TrainingDiverged(RuntimeError):
    """A logged metric became NaN or infinite; nothing was saved after the last good step."""


# --------------------------------------------------------------------------------------------
# Training


def _log(message: str) -> None:
    print(message, flush=True)


def train_and_evaluate(config: config_lib.Config, workdir: str, overwrite: bool = False,
                       callbacks=None) -> Dict[str, Any]:
    """Trains (or resumes) a run in ``workdir`` and exports its generator.

    The trainer (the chief of a cluster) holds ``workdir``'s lock (``tfgan.workdir.lock``) from
    before it writes anything until it returns; it then removes leftovers of killed writes,
    repairs the checkpoint list and resumes from the newest checkpoint that loads
    (``tfgan.workdir.recover_checkpoints``). Only states whose values are all finite are
    saved.

    Args:
        config: the run's config (validated here).
        workdir: the work directory (created); see the module docstring for its contents.
        overwrite: delete a previous run's artifacts in ``workdir`` and start afresh.
        callbacks: extra Keras callbacks for ``fit`` (after the built-in ones).

    Returns:
        ``{"step", "start_step", "checkpoint", "export_path", "workdir", "seconds"}``.

    Raises:
        ConfigError: an invalid config or a work directory holding a different run.
        tfgan.workdir.WorkdirBusyError: another trainer holds the work directory (a
            ``ConfigError``; nothing was written).
        tfgan.workdir.WorkdirError: checkpoints exist but none can be loaded (a
            ``ConfigError``).
        TrainingInterrupted: SIGINT/SIGTERM during training (a checkpoint was saved).
        TrainingDiverged: a metric or a saved value became NaN or infinite (nothing
            non-finite was saved; the message names the last finite checkpoint).
    """
    started = time.time()
    # Paths stored absolute: resumable, evaluable and exportable from any directory.
    config = config.validate(check_paths=True).absolute_paths()
    workdir = os.path.abspath(os.path.expanduser(workdir))

    distribute.set_precision(config.mixed_precision)
    strategy = distribute.get_strategy(config.strategy)
    chief = distribute.is_chief(strategy)
    # After the strategy (multi-worker needs it before any op), before writing.
    task.check_data(config)
    os.makedirs(workdir, exist_ok=True)
    # One trainer per work directory; non-chief workers write only to their scratch space.
    lock = workdir_lib.lock(workdir) if chief else None
    try:
        return _train_locked(config, workdir, strategy, chief, overwrite, callbacks, started)
    finally:
        if lock is not None:
            lock.release()


def _train_locked(config: config_lib.Config, workdir: str, strategy, chief: bool,
                  overwrite: bool, callbacks, started: float) -> Dict[str, Any]:
    """``train_and_evaluate`` once the work directory is locked."""
    if overwrite and chief:
        workdir_lib.remove_run(workdir)
    elif chief:
        workdir_lib.clean_stale(workdir, [config.export_dir], log=_log)
    workdir_lib.check_workdir(config, workdir)
    checkpoint_dir = os.path.join(workdir, workdir_lib.CHECKPOINT_DIR)
    # The checkpoint to resume from, before anything is written: a work directory whose
    # checkpoints all fail to load stops here.
    if chief:
        latest = workdir_lib.recover_checkpoints(checkpoint_dir, log=_log)
    else:
        latest = (workdir_lib.usable_checkpoint(checkpoint_dir, log=None)
                  if workdir_lib.run_checkpoint_steps(workdir) else None)
    # The real side of --eval_every, before anything is trained: a missing extractor or data
    # set fails now, not at the first evaluation.
    quality = _real_quality_stats(config) if config.eval_every and chief else None
    if chief:
        workdir_lib.save_config(config, workdir)

    # Non-chief workers of a cluster save into scratch space (collective ops need every
    # worker to take part in a save) and delete it.
    scratch = None
    if not chief:
        scratch = os.path.join(workdir, workdir_lib.WORKER_SCRATCH_DIR,
                               f"worker-{distribute.worker_id(strategy)}")
        shutil.rmtree(scratch, ignore_errors=True)  # a killed worker's
        checkpoint_dir = os.path.join(scratch, workdir_lib.CHECKPOINT_DIR)

    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        gan = task.build_gan(config)
        checkpoint = task.make_checkpoint(gan)
        # Counting steps with batches_seen, the manager knows the step it last saved (at
        # first the restored one): saving that step again (the final save right after a
        # periodic one, or a run with nothing left to train) writes nothing.
        manager = workdir_lib.CheckedCheckpointManager(
            checkpoint, checkpoint_dir, max_to_keep=config.keep_checkpoints if chief else 1,
            checkpoint_name=workdir_lib.CHECKPOINT_PREFIX,
            variables_fn=lambda: task.state_variables(gan), step_counter=gan.batches_seen,
            checkpoint_interval=config.checkpoint_every,
            last_checkpoint_step=workdir_lib.step_of(latest) or 0)
        if latest:
            checkpoint.restore(latest).assert_existing_objects_matched()
    start_step = int(np.asarray(gan.batches_seen))
    remaining = config.train_steps - start_step
    if start_step:
        _log(f"Resuming {workdir} from step {start_step} ({latest})")
    else:
        _log(f"Training {config.arch}/{config.loss} in {workdir} for {config.train_steps} "
             f"steps (strategy {type(strategy).__name__}, {config.mixed_precision})")

    # Every worker runs the same callbacks: some read or reset distributed variables, which
    # under MultiWorkerMirroredStrategy are collective operations every worker must join.
    # Non-chief workers write into their scratch directory, deleted at the end.
    outdir = workdir if chief else scratch
    summary_writer = tf.summary.create_file_writer(
        os.path.join(outdir, workdir_lib.TENSORBOARD_DIR))
    sample_grid = callbacks_lib.SampleGrid(
        os.path.join(outdir, workdir_lib.SAMPLES_DIR), every_n_steps=config.sample_every,
        num_samples=config.num_samples, seed=config.seed, summary_writer=summary_writer,
        write_on_train_end=False)
    # Installed until the stop checkpoint is on disk (restored below, not at fit's end).
    stop_on_signal = callbacks_lib.StopOnSignal(restore_on_train_end=False)
    manager.save_guard = stop_on_signal.deferred  # a second Ctrl-C never cuts a save short
    non_finite = callbacks_lib.StopOnNonFinite()
    periodic_checkpoint = callbacks_lib.PeriodicCheckpoint(manager, config.checkpoint_every)
    extra_callbacks = list(callbacks or [])
    callbacks = [
        stop_on_signal,
        non_finite,
        callbacks_lib.MetricsLogger(os.path.join(outdir, workdir_lib.METRICS_FILE),
                                    every_n_steps=config.log_every,
                                    summary_writer=summary_writer),
        periodic_checkpoint,
        sample_grid,
        callbacks_lib.ProgressLogger(config.train_steps, every_n_steps=config.log_every,
                                     stream=None if chief else open(os.devnull, "w")),
    ]
    if config.eval_every:  # the chief measures; other workers join its checkpoint saves
        callbacks.append(_quality_callback(config, workdir, checkpoint, manager.variables_fn,
                                           summary_writer, *(quality or (None, None)),
                                           strategy=strategy, outdir=outdir))
    callbacks += extra_callbacks

    step, checkpoint_path = start_step, latest
    try:
        aborted = False  # a second Ctrl-C ended fit inside a batch
        refused = None  # a save refused for non-finite values
        if remaining > 0:
            # A different shuffle order per resumption, reproducible from the config.
            dataset = task.build_dataset(config, seed=config.seed + start_step)
            stop_on_signal.install()
            try:
                gan.fit(dataset, steps_per_epoch=remaining, epochs=1, verbose=0,
                        shuffle=False, callbacks=callbacks)
            except workdir_lib.NonFiniteStateError as e:
                refused = e
            except KeyboardInterrupt:
                aborted = True
        else:
            _log(f"Already trained to step {start_step} (--train_steps={config.train_steps}).")

        step = int(np.asarray(gan.batches_seen))
        if refused is None and non_finite.step is None:
            # The final (or stop) checkpoint; nothing if this step is already saved.
            try:
                manager.save(checkpoint_number=step, check_interval=False)
            except workdir_lib.NonFiniteStateError as e:
                refused = e
        if refused is not None or non_finite.step is not None:
            if refused is not None:
                what = f"training diverged: {refused}"
            else:
                what = (f"training diverged at step {non_finite.step}: non-finite metrics "
                        f"{non_finite.logs}; nothing was saved after it")
            last = workdir_lib.newest_finite_checkpoint(manager.directory)
            raise TrainingDiverged(
                f"{what}; the last checkpoint with finite values is {last or 'none'}. Pass "
                "--overwrite to start afresh (e.g. with a lower learning rate), or resume "
                "from it with the same command")
        checkpoint_path = manager.latest_checkpoint
        if scratch is not None:
            summary_writer.close()
            shutil.rmtree(scratch, ignore_errors=True)
            with contextlib.suppress(OSError):  # the scratch parent, once no worker uses it
                os.rmdir(os.path.dirname(scratch))
        if aborted or stop_on_signal.aborted:
            raise TrainingInterrupted(signal.SIGINT, step, checkpoint_path)

        # A second Ctrl-C from here on aborts the samples and the plot, not the checkpoint.
        if chief:
            sample_grid.set_model(gan)
            if sample_grid.last_written_step != step and not os.path.exists(
                    os.path.join(workdir, workdir_lib.SAMPLES_DIR, f"step_{step:07d}.png")):
                sample_grid.write(step)
            metrics_path = os.path.join(workdir, workdir_lib.METRICS_FILE)
            if os.path.exists(metrics_path) and plots.read_metrics_csv(metrics_path):
                plots.plot_loss_curve(
                    metrics_path, os.path.join(workdir, workdir_lib.LOSS_CURVE_FILE),
                    title=f"{config.arch} / {config.loss} ({os.path.basename(workdir)})")
            summary_writer.close()

        if stop_on_signal.received is not None:
            _log(f"Stopped at step {step}; checkpoint saved to {checkpoint_path}. Run the same "
                 "command again to resume.")
            raise TrainingInterrupted(stop_on_signal.received, step, checkpoint_path)
    except KeyboardInterrupt as interrupt:
        if isinstance(interrupt, TrainingInterrupted):
            raise
        raise TrainingInterrupted(signal.SIGINT, step, checkpoint_path) from interrupt
    finally:
        stop_on_signal.restore()

    result = {"workdir": workdir, "start_step": start_step, "step": step,
              "checkpoint": checkpoint_path if chief else None, "export_path": None}
    if chief:
        try:
            result["export_path"] = _export(config, workdir, step, fresh=overwrite)
        except KeyboardInterrupt as interrupt:  # the export is atomic; the next run redoes it
            raise TrainingInterrupted(signal.SIGINT, step, checkpoint_path) from interrupt
    result["seconds"] = time.time() - started
    _log(f"Done: step {step}, {result['seconds']:.0f} s. Export: {result['export_path']}")
    return result


def _real_quality_stats(config: config_lib.Config):
    """``(extractor, real ActivationStats)`` for ``--eval_every``, computed once per run.

    Raises:
        ConfigError: the extractor's weights are unavailable.
    """

    name = config.resolved_eval_extractor
    try:
        extractor = evaluation.get_extractor(name)
    except (evaluation.WeightsUnavailableError, FileNotFoundError) as e:
        raise config_lib.ConfigError(f"--eval_extractor={name} cannot be loaded: {e}") from e
    started = time.time()
    real, description = quality.real_stats(
        extractor, config.dataset, data_dir=config.data_dir or None,
        image_size=config.image_size, channels=config.channels, seed=config.seed)
    _log(f"Evaluating every {config.eval_every} steps: {config.eval_samples} samples against "
         f"{real.num_samples} {description}, {name} features "
         f"({time.time() - started:.0f} s for the real side)")
    return extractor, real


def _quality_callback(config: config_lib.Config, workdir: str,
                      checkpoint: tf.train.Checkpoint, variables_fn, summary_writer, extractor,
                      real, strategy=None, outdir: Optional[str] = None
                      ) -> quality.EvaluateQuality:
    """The ``--eval_every`` callback: eval.csv, best/ (checkpoint, best.json), best_export/.

    On a non-chief worker of a cluster (``extractor`` None), a follower that saves its share
    of the best checkpoints into ``<outdir>/best`` (its scratch space).
    """
    follower = extractor is None
    best_manager = workdir_lib.CheckedCheckpointManager(
        checkpoint, os.path.join(outdir or workdir, workdir_lib.BEST_DIR), max_to_keep=1,
        checkpoint_name=workdir_lib.CHECKPOINT_PREFIX,
        variables_fn=variables_fn)
    best_export_dir = os.path.join(workdir, workdir_lib.BEST_EXPORT_DIR)

    def export_best(step: int, checkpoint_path: str) -> str:
        # In float32 like the final export, whatever --mixed_precision trains in; only the
        # best version is kept.
        path = export_lib.export_generator(workdir_lib.restore_float32(config, checkpoint_path),
                                           best_export_dir, version=step, overwrite=True)
        for name in os.listdir(best_export_dir):
            if name.isdigit() and int(name) != step:
                shutil.rmtree(os.path.join(best_export_dir, name), ignore_errors=True)
        return path

    name = config.resolved_eval_extractor
    return quality.EvaluateQuality(
        real, extractor, config.eval_every, config.eval_samples,
        csv_path=os.path.join(workdir, workdir_lib.EVAL_FILE), summary_writer=summary_writer,
        best_manager=best_manager,
        best_json=os.path.join(workdir, workdir_lib.BEST_DIR, workdir_lib.BEST_JSON),
        export_fn=export_best, extractor_name=name,
        score_name=quality.score_name(name),
        kid_subsets=20, kid_subset_size=min(1000, config.eval_samples), seed=config.seed,
        log=_log, agree=distribute.chief_decides(strategy), follower=follower)


def _export(config: config_lib.Config, workdir: str, step: int, fresh: bool) -> str:
    """Exports the checkpoint of ``step`` as ``<export_dir>/<step>`` (float32 networks)."""
    export_dir = workdir_lib.export_dir_of(config, workdir)
    path = os.path.join(export_dir, str(step))
    if os.path.exists(path) and not fresh:
        _log(f"Export {path} exists; not exporting again.")
        return path
    gan, _, _ = restore_gan(workdir, step)
    return export_lib.export_generator(gan, export_dir, version=step, overwrite=fresh)
