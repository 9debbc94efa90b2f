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
import json
import math
import os
import shutil
import signal
import time
from typing import Any, Dict, Optional, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan import callbacks as callbacks_lib
from tfgan import config as config_lib
from tfgan import data as data_lib
from tfgan import distribute
from tfgan import export as export_lib
from tfgan import networks
from tfgan import workdir as workdir_lib
from tfgan.gan import GAN

# The work directory's names live in tfgan.workdir; these aliases keep train_lib.<NAME> working.
CONFIG_FILE = workdir_lib.CONFIG_FILE
CHECKPOINT_DIR = workdir_lib.CHECKPOINT_DIR
SAMPLES_DIR = workdir_lib.SAMPLES_DIR
TENSORBOARD_DIR = workdir_lib.TENSORBOARD_DIR
METRICS_FILE = workdir_lib.METRICS_FILE
LOSS_CURVE_FILE = workdir_lib.LOSS_CURVE_FILE
EXPORT_DIR = workdir_lib.EXPORT_DIR
CHECKPOINT_PREFIX = workdir_lib.CHECKPOINT_PREFIX
EVAL_FILE = workdir_lib.EVAL_FILE
BEST_DIR = workdir_lib.BEST_DIR
BEST_JSON = workdir_lib.BEST_JSON
BEST_EXPORT_DIR = workdir_lib.BEST_EXPORT_DIR

_RUN_ARTIFACTS = workdir_lib.RUN_ARTIFACTS
_WORKER_SCRATCH = ".worker_scratch"


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
# Model, data, checkpoints


def _optimizer(config: config_lib.Config, learning_rate: float) -> keras.optimizers.Optimizer:
    if config.optimizer == "rmsprop":
        # PyTorch's RMSprop defaults (alpha 0.99), which the WGAN reference code used.
        return keras.optimizers.RMSprop(learning_rate=learning_rate, rho=0.99, epsilon=1e-8)
    return keras.optimizers.Adam(learning_rate=learning_rate, beta_1=config.beta1,
                                 beta_2=config.beta2)


def build_gan(config: config_lib.Config) -> GAN:
    """Builds and compiles the ``GAN`` a config describes.

    Call it inside ``strategy.scope()`` when distributing (networks, optimizers and the GAN's
    variables are created here), after ``distribute.set_precision``.

    Args:
        config: a validated config.

    Returns:
        A compiled ``tfgan.GAN`` (both optimizers built).
    """
    num_classes = config.class_count
    # With several replicas, BatchNorm statistics are taken over the global batch, so a step
    # does not depend on how the batch is split (and small per-replica batches stay stable).
    sync_batch_norm = tf.distribute.get_strategy().num_replicas_in_sync > 1
    generator = networks.build_generator(
        config.arch, config.image_shape, config.latent_dim, num_classes,
        label_embedding_dim=config.label_embedding_dim,
        base_filters=config.g_base_filters or None, sync_batch_norm=sync_batch_norm)
    discriminator = networks.build_discriminator(
        config.arch, config.image_shape, num_classes,
        norm=config.critic_norm, spectral_norm=config.spectral_norm, dropout=config.dropout,
        label_embedding_dim=config.label_embedding_dim,
        base_filters=config.d_base_filters or None, sync_batch_norm=sync_batch_norm)
    gan = GAN(generator, discriminator, latent_dim=config.latent_dim, loss=config.loss,
              num_classes=num_classes, d_steps=config.d_steps, g_every=config.g_every,
              gp_weight=config.gp_weight, clip_value=config.clip_value or None,
              ls_targets=config.ls_targets, seed=config.seed,
              ema_decay=config.ema_decay or None, drift_weight=config.drift_weight,
              critic_warmup=config.critic_warmup, augment=config.augment)
    gan.compile(d_optimizer=_optimizer(config, config.d_lr),
                g_optimizer=_optimizer(config, config.g_lr))
    return gan


def build_dataset(config: config_lib.Config, *, seed: Optional[int] = None,
                  repeat: bool = True, input_context=None) -> tf.data.Dataset:
    """The training ``tf.data.Dataset`` of a config (global batches, images in [-1, 1]).

    Args:
        config: a validated config.
        seed: shuffle seed (default ``config.seed``).
        repeat: repeat forever.
        input_context: a ``tf.distribute.InputContext`` (see ``tfgan.data``).

    Returns:
        Batches of images, or ``(images, labels)`` for a conditional config.

    Raises:
        ConfigError: a folder whose class subfolders do not match ``--num_classes``.
    """
    seed = config.seed if seed is None else seed
    _check_class_count(config)
    common = dict(batch_size=config.batch_size, with_labels=config.conditional, seed=seed,
                  repeat=repeat, drop_remainder=True, input_context=input_context)
    if config.dataset == "mnist":
        return data_lib.mnist("train", image_size=config.image_size,
                              data_dir=config.data_dir or None, cache=config.cache or None,
                              shuffle=True, **common)
    if config.dataset == "folder":
        return data_lib.image_folder(config.data_dir, image_size=config.image_size,
                                     channels=config.channels, cache=config.cache or None,
                                     shuffle=True, **common)
    return data_lib.synthetic(num_examples=config_lib.SYNTHETIC_EXAMPLES,
                              image_size=config.image_size, channels=config.channels,
                              num_classes=config.num_classes, **common)


def _check_class_count(config: config_lib.Config) -> None:
    """A conditional folder config needs one class subfolder per class."""
    if config.dataset == "folder" and config.conditional:
        found = len(data_lib.class_names(config.data_dir))
        if found != config.num_classes:
            raise config_lib.ConfigError(
                f"--num_classes={config.num_classes} but --data_dir={config.data_dir} has "
                f"{found} class subfolders")


def check_data(config: config_lib.Config) -> None:
    """Checks that the training data can be read, quickly and before anything is written.

    MNIST: the ``--data_dir`` files are read, or without it tfds must hold MNIST or reach its
    server. Image folders: at least one image decodes (see ``tfgan.data.check_image_folder``)
    and, when conditional, there is one class subfolder per class.

    Raises:
        ConfigError: naming ``--data_dir`` and what is wrong with it.
    """
    try:
        if config.dataset == "mnist":
            data_lib.check_mnist(config.data_dir or None)
        elif config.dataset == "folder":
            data_lib.check_image_folder(config.data_dir, with_labels=config.conditional)
    except (FileNotFoundError, ValueError) as e:
        where = f"--data_dir={config.data_dir}: " if config.data_dir else ""
        raise config_lib.ConfigError(f"{where}{e}") from e
    _check_class_count(config)


def make_checkpoint(gan: GAN, include_optimizers: bool = True) -> tf.train.Checkpoint:
    """The ``tf.train.Checkpoint`` of a GAN's training state.

    Both networks (and the generator's moving average, when kept), both optimizers, the step
    (``batches_seen``) and the latent RNG state.

    Args:
        gan: the GAN.
        include_optimizers: False for inference (``restore_gan``): the optimizer slots are
            then left in the file, which also lets a ``mixed_float16`` run (whose optimizers
            are ``LossScaleOptimizer`` wrappers) be restored into float32 networks.
    """
    objects = dict(generator=gan.generator, discriminator=gan.discriminator,
                   batches_seen=gan.batches_seen, seed_state=gan.seed_generator.state)
    if gan.ema_generator is not None:
        objects["ema_generator"] = gan.ema_generator
    if include_optimizers:
        objects.update(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer)
    return tf.train.Checkpoint(**objects)


def state_variables(gan: GAN):
    """The floating-point state ``make_checkpoint`` saves: both networks (weights, BatchNorm
    statistics, spectral-norm vectors), the generator's moving average and both optimizers'
    variables (slots, loss scale)."""
    variables = list(gan.generator.weights) + list(gan.discriminator.weights)
    if gan.ema_generator is not None:
        variables += list(gan.ema_generator.weights)
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        variables += list(optimizer.variables)
    return variables


def checkpoint_steps(workdir: str):
    """Steps of the checkpoints kept in ``workdir`` (ascending), read from the files on disk
    (a lost or garbled ``checkpoints/checkpoint`` does not hide them)."""
    return workdir_lib.checkpoint_steps(os.path.join(workdir, CHECKPOINT_DIR))


def load_config(workdir: str) -> config_lib.Config:
    """The ``Config`` saved in ``workdir/config.json``."""
    path = os.path.join(workdir, CONFIG_FILE)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist: {workdir} is not a tfgan work "
                                "directory")
    with open(path) as f:
        return config_lib.Config.from_dict(json.load(f))


def restore_gan(workdir: str, step: Optional[int] = None) -> Tuple[GAN, int, config_lib.Config]:
    """Rebuilds a work directory's GAN in float32 from a checkpoint, for inference.

    The networks are rebuilt under the ``float32`` policy whatever ``mixed_precision`` the
    run trained with (checkpoints hold float32 variables either way), which is what sampling
    and serving on any device want; the global policy is restored afterwards. The optimizers
    are fresh (their state is not restored): to continue training, run
    ``train_and_evaluate`` on the work directory.

    Args:
        workdir: a work directory written by ``train_and_evaluate``.
        step: the checkpoint's step (default: the latest).

    Without ``step``, a newest checkpoint that cannot be loaded (truncated, garbled, missing its
    ``.index``, non-finite) is passed over for the newest one that can, with one line on
    stderr saying so.

    Returns:
        ``(gan, step, config)``.

    Raises:
        FileNotFoundError: no ``config.json`` or no such checkpoint.
        tfgan.workdir.UnusableCheckpointError: the checkpoint of ``step`` (or every one)
            cannot be loaded.
    """
    config = load_config(workdir).validate(check_paths=False)
    path = workdir_lib.usable_checkpoint(os.path.join(workdir, CHECKPOINT_DIR), step)
    gan = _restore_float32(config, path)
    return gan, int(np.asarray(gan.batches_seen)), config


def _restore_float32(config: config_lib.Config, path: str) -> GAN:
    """A float32 GAN of ``config`` with the networks, step and RNG state of checkpoint ``path``
    (the global dtype policy is left as it was)."""
    previous_policy = keras.config.dtype_policy()
    distribute.set_precision("float32")
    try:
        gan = build_gan(config.replace(mixed_precision="float32"))
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    make_checkpoint(gan, include_optimizers=False).restore(
        path).assert_existing_objects_matched().expect_partial()
    return gan


# --------------------------------------------------------------------------------------------
# The work directory


def _write_json(path: str, values: Dict[str, Any]) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(values, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def _clean_workdir(workdir: str) -> None:
    for name in _RUN_ARTIFACTS + (_WORKER_SCRATCH,):
        path = os.path.join(workdir, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def check_workdir(config: config_lib.Config, workdir: str) -> Optional[config_lib.Config]:
    """Checks that ``workdir`` is fresh or holds a run of the same config.

    A work directory without checkpoints is fresh whatever its ``config.json`` says: a run
    that failed before its first checkpoint (say, on a wrong ``--data_dir``) has nothing to
    resume, so the corrected command simply starts it again.

    Returns:
        The saved config, or None for a fresh work directory.

    Raises:
        ConfigError: the saved config differs outside ``config.RESUMABLE_FIELDS`` (the
            message lists each field with its saved and new value and names ``--overwrite``),
            or there are checkpoints without a ``config.json``.
    """
    path = os.path.join(workdir, CONFIG_FILE)
    has_checkpoints = bool(checkpoint_steps(workdir))
    if not os.path.exists(path):
        if has_checkpoints:
            raise config_lib.ConfigError(
                f"{workdir} holds checkpoints but no {CONFIG_FILE}; pass --overwrite to start "
                "afresh or choose another --workdir")
        return None
    if not has_checkpoints:
        return None
    try:
        saved = load_config(workdir)
    except (ValueError, TypeError) as e:
        raise config_lib.ConfigError(
            f"{path} cannot be read ({e}); pass --overwrite to start afresh or choose another "
            "--workdir") from e
    differing = [name for name in saved.diff(config)
                 if name not in config_lib.RESUMABLE_FIELDS]
    if differing:
        details = "; ".join(f"--{name}: {getattr(saved, name)!r} (saved) vs "
                            f"{getattr(config, name)!r} (now)" for name in differing)
        raise config_lib.ConfigError(
            f"{workdir} holds a run with a different config: {details}. Resume with the same "
            f"flags, choose another --workdir, or pass --overwrite to start afresh (deletes "
            f"the previous run)")
    return saved


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
    check_data(config)  # After the strategy (multi-worker needs it before any op), before writing.
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
        _clean_workdir(workdir)
    elif chief:
        workdir_lib.clean_stale(workdir, [config.export_dir], log=_log)
    check_workdir(config, workdir)
    checkpoint_dir = os.path.join(workdir, CHECKPOINT_DIR)
    # The checkpoint to resume from, before anything is written: a work directory whose
    # checkpoints all fail to load stops here.
    if chief:
        latest = workdir_lib.recover_checkpoints(checkpoint_dir, log=_log)
    else:
        latest = (workdir_lib.usable_checkpoint(checkpoint_dir, log=None)
                  if checkpoint_steps(workdir) else None)
    # The real side of --eval_every, before anything is trained: a missing extractor or data
    # set fails now, not at the first evaluation.
    quality = _real_quality_stats(config) if config.eval_every and chief else None
    if chief:
        _write_json(os.path.join(workdir, CONFIG_FILE), config.to_dict())

    # Non-chief workers of a cluster save into scratch space (collective ops need every
    # worker to take part in a save) and delete it.
    scratch = None
    if not chief:
        scratch = os.path.join(workdir, _WORKER_SCRATCH,
                               f"worker-{distribute.worker_id(strategy)}")
        shutil.rmtree(scratch, ignore_errors=True)  # a killed worker's
        checkpoint_dir = os.path.join(scratch, CHECKPOINT_DIR)

    keras.utils.set_random_seed(config.seed)
    with strategy.scope():
        gan = build_gan(config)
        checkpoint = make_checkpoint(gan)
        manager = workdir_lib.CheckedCheckpointManager(
            checkpoint, checkpoint_dir, max_to_keep=config.keep_checkpoints if chief else 1,
            checkpoint_name=CHECKPOINT_PREFIX, variables_fn=lambda: state_variables(gan))
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
    summary_writer = tf.summary.create_file_writer(os.path.join(outdir, TENSORBOARD_DIR))
    sample_grid = callbacks_lib.SampleGrid(
        os.path.join(outdir, SAMPLES_DIR), every_n_steps=config.sample_every,
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
        callbacks_lib.MetricsLogger(os.path.join(outdir, METRICS_FILE),
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
            dataset = build_dataset(config, seed=config.seed + start_step)
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
            # The final (or stop) checkpoint, unless the periodic callback just saved it.
            if step > start_step and _latest_step(manager) != step:
                try:
                    manager.save(checkpoint_number=step)
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
                    os.path.join(workdir, SAMPLES_DIR, f"step_{step:07d}.png")):
                sample_grid.write(step)
            metrics_path = os.path.join(workdir, METRICS_FILE)
            if os.path.exists(metrics_path) and callbacks_lib.read_metrics_csv(metrics_path):
                callbacks_lib.plot_loss_curve(
                    metrics_path, os.path.join(workdir, LOSS_CURVE_FILE),
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
    from tfgan import eval_lib  # pylint: disable=import-outside-toplevel  (eval_lib uses us)
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    name = config.resolved_eval_extractor
    try:
        extractor = evaluation.get_extractor(name)
    except (evaluation.WeightsUnavailableError, FileNotFoundError) as e:
        raise config_lib.ConfigError(f"--eval_extractor={name} cannot be loaded: {e}") from e
    started = time.time()
    real, description = eval_lib.real_stats(
        extractor, config.dataset, data_dir=config.data_dir or None,
        image_size=config.image_size, channels=config.channels, seed=config.seed)
    _log(f"Evaluating every {config.eval_every} steps: {config.eval_samples} samples against "
         f"{real.num_samples} {description}, {name} features "
         f"({time.time() - started:.0f} s for the real side)")
    return extractor, real


def _quality_callback(config: config_lib.Config, workdir: str,
                      checkpoint: tf.train.Checkpoint, variables_fn, summary_writer, extractor,
                      real, strategy=None, outdir: Optional[str] = None
                      ) -> callbacks_lib.EvaluateQuality:
    """The ``--eval_every`` callback: eval.csv, best/ (checkpoint, best.json), best_export/.

    On a non-chief worker of a cluster (``extractor`` None), a follower that saves its share
    of the best checkpoints into ``<outdir>/best`` (its scratch space).
    """
    follower = extractor is None
    best_manager = workdir_lib.CheckedCheckpointManager(
        checkpoint, os.path.join(outdir or workdir, BEST_DIR), max_to_keep=1,
        checkpoint_name=CHECKPOINT_PREFIX,
        variables_fn=variables_fn)
    best_export_dir = os.path.join(workdir, BEST_EXPORT_DIR)

    def export_best(step: int, checkpoint_path: str) -> str:
        # In float32 like the final export, whatever --mixed_precision trains in; only the
        # best version is kept.
        path = export_lib.export_generator(_restore_float32(config, checkpoint_path),
                                           best_export_dir, version=step, overwrite=True)
        for name in os.listdir(best_export_dir):
            if name.isdigit() and int(name) != step:
                shutil.rmtree(os.path.join(best_export_dir, name), ignore_errors=True)
        return path

    name = config.resolved_eval_extractor
    return callbacks_lib.EvaluateQuality(
        real, extractor, config.eval_every, config.eval_samples,
        csv_path=os.path.join(workdir, EVAL_FILE), summary_writer=summary_writer,
        best_manager=best_manager, best_json=os.path.join(workdir, BEST_DIR, BEST_JSON),
        export_fn=export_best, extractor_name=name,
        score_name="mnist_score" if name == "mnist" else "inception_score",
        kid_subsets=20, kid_subset_size=min(1000, config.eval_samples), seed=config.seed,
        log=_log, agree=distribute.chief_decides(strategy), follower=follower)


def _latest_step(manager: tf.train.CheckpointManager) -> Optional[int]:
    """The step number of a manager's latest checkpoint (None if there is none)."""
    return workdir_lib.step_of(manager.latest_checkpoint)


def export_dir_of(config: config_lib.Config, workdir: str) -> str:
    """``config.export_dir``, or ``<workdir>/export`` when it is empty."""
    return config.export_dir or os.path.join(workdir, EXPORT_DIR)


def _export(config: config_lib.Config, workdir: str, step: int, fresh: bool) -> str:
    """Exports the checkpoint of ``step`` as ``<export_dir>/<step>`` (float32 networks)."""
    export_dir = export_dir_of(config, workdir)
    path = os.path.join(export_dir, str(step))
    if os.path.exists(path) and not fresh:
        _log(f"Export {path} exists; not exporting again.")
        return path
    gan, _, _ = restore_gan(workdir, step)
    return export_lib.export_generator(gan, export_dir, version=step, overwrite=fresh)


# --------------------------------------------------------------------------------------------
# Sampling (bin/generate.py)


class Sampler:
    """Generates (and scores) images from a ``GAN`` or an exported SavedModel alike.

    Build it with ``Sampler.from_gan(gan)`` or ``Sampler.from_export(path)`` (a SavedModel
    or a base export directory; TensorFlow only, see ``tfgan.export.load_generator``).

    Attributes:
        latent_dim: size of ``z``.
        num_classes: number of classes, or None (unconditional, or unknown for an export
            without metadata while ``conditional`` is True).
        conditional: whether labels are required.
        can_score: whether a discriminator score is available (for top-k).
    """

    def __init__(self, generate_fn, score_fn, latent_dim, num_classes, conditional):
        self._generate_fn = generate_fn
        self._score_fn = score_fn
        self.latent_dim = int(latent_dim)
        self.num_classes = num_classes
        self.conditional = bool(conditional)

    @property
    def can_score(self) -> bool:
        return self._score_fn is not None

    @classmethod
    def from_gan(cls, gan: GAN) -> "Sampler":
        def generate(z, labels):
            return np.asarray(gan.generate(z=z, labels=labels))

        def score(images, labels):
            images = tf.convert_to_tensor(images, tf.float32)
            inputs = images if labels is None else [images, tf.constant(labels, tf.int32)]
            logits = gan.discriminator(inputs, training=False)
            return np.asarray(tf.reshape(tf.cast(logits, tf.float32), [-1]))

        return cls(generate, score, gan.latent_dim, gan.num_classes, gan.conditional)

    @classmethod
    def from_export(cls, path: str) -> "Sampler":
        exported = export_lib.load_generator(path)
        score = exported.score if exported.has_score else None
        return cls(lambda z, labels: exported(z, labels), score, exported.latent_dim,
                   exported.num_classes, exported.conditional)

    def generate(self, z, labels=None, batch_size: int = 64) -> np.ndarray:
        """Images for latent vectors ``z`` (and labels), in chunks of ``batch_size``."""
        chunks = []
        for start in range(0, len(z), batch_size):
            chunk_labels = None if labels is None else labels[start:start + batch_size]
            chunks.append(self._generate_fn(z[start:start + batch_size], chunk_labels))
        return np.concatenate(chunks)

    def score(self, images, labels=None, batch_size: int = 64) -> np.ndarray:
        """Discriminator logits of ``images`` (higher: rated more real)."""
        if self._score_fn is None:
            raise ValueError("no discriminator score available (the export was made without "
                             "the 'score' signature); sample from the work directory instead")
        chunks = []
        for start in range(0, len(images), batch_size):
            chunk_labels = None if labels is None else labels[start:start + batch_size]
            chunks.append(np.reshape(self._score_fn(images[start:start + batch_size],
                                                    chunk_labels), [-1]))
        return np.concatenate(chunks)

    def default_labels(self, num: int) -> np.ndarray:
        """``num`` labels in class blocks (class 0 first): one grid row per class when
        ``num`` is a multiple of ``num_classes``."""
        if not self.num_classes:
            raise ValueError("this generator is conditional but its number of classes is "
                             "unknown: pass --labels")
        per_class = int(math.ceil(num / self.num_classes))
        return (np.arange(num) // per_class).astype(np.int32)

    def sample(self, num: int, labels=None, top_k_of: Optional[int] = None, seed: int = 0,
               batch_size: int = 64):
        """Draws ``num`` images, optionally the best by discriminator score.

        Args:
            num: number of images returned.
            labels: for a conditional generator, ``[num]`` class ids, one id for all, or None
                for ``default_labels(num)``; must be None for an unconditional one.
            top_k_of: if given, draw this many candidates (at least ``num``) and keep the
                ``num`` with the highest score (for a conditional generator, the best per
                requested label, drawing candidates for each label in proportion).
            seed: seed of the latent draws.
            batch_size: generation chunk size.

        Returns:
            ``(images [num, H, W, C] float32 in [-1, 1], labels [num] int32 or None)``;
            top-k images come best first (within each label).
        """
        if self.conditional:
            if labels is None:
                labels = self.default_labels(num)
            labels = np.asarray(labels, dtype=np.int32)
            if labels.ndim == 0:
                labels = np.full([num], int(labels), np.int32)
            if labels.shape != (num,):
                raise ValueError(f"labels must be one id or {num} ids, got {labels.shape[0]}")
            if self.num_classes and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise ValueError(f"labels must lie in [0, {self.num_classes})")
        elif labels is not None:
            raise ValueError("labels were given but the generator is unconditional")
        rng = np.random.default_rng(seed)
        if top_k_of is None:
            z = rng.standard_normal((num, self.latent_dim)).astype(np.float32)
            return self.generate(z, labels, batch_size), labels
        if top_k_of < num:
            raise ValueError(f"candidates ({top_k_of}) must be at least the number of images "
                             f"kept ({num})")
        if labels is None:
            z = rng.standard_normal((top_k_of, self.latent_dim)).astype(np.float32)
            images = self.generate(z, None, batch_size)
            best = np.argsort(-self.score(images, None, batch_size), kind="stable")[:num]
            return images[best], None
        out = np.zeros((num,), dtype=object)
        for label in np.unique(labels):
            slots = np.flatnonzero(labels == label)
            count = max(len(slots), int(round(top_k_of * len(slots) / num)))
            z = rng.standard_normal((count, self.latent_dim)).astype(np.float32)
            cand_labels = np.full([count], label, np.int32)
            images = self.generate(z, cand_labels, batch_size)
            best = np.argsort(-self.score(images, cand_labels, batch_size),
                              kind="stable")[:len(slots)]
            for slot, index in zip(slots, best):
                out[slot] = images[index]
        return np.stack(list(out)), labels
