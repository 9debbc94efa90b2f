"""The work directory: its file names, its lock, and the integrity of its checkpoints.

The one module that knows the layout of a work directory (see ``tfgan.train_lib`` for what
each entry holds)::

    config.json  checkpoints/  samples/  tensorboard/  metrics.csv  loss_curve.png
    export/<step>/  eval.csv  best/  best_export/<step>/  .lock

and keeps it whole when processes die, files rot, two trainers collide or training diverges:

* ``lock(workdir)``: an exclusive ``fcntl.flock`` on ``<workdir>/.lock``, held while a trainer
  runs and released by the operating system when the process dies (even on SIGKILL); a second
  trainer gets ``WorkdirBusyError`` before it writes anything.
* ``clean_stale(workdir)``: removes what killed writes leave behind: ``checkpoints/ckpt-N_temp/``,
  ``checkpoints/checkpoint.tmp*``, ``export/.tmp-*`` (and puts back an ``export/.old-*`` a killed
  ``overwrite`` export had moved away), ``*.tmp-<pid>`` files of dead processes.
* ``recover_checkpoints(directory)`` (a trainer, under the lock): the checkpoint files on disk
  (``ckpt-<step>.index`` + data) are the truth, the ``checkpoint`` state file only an index of
  them. A missing, empty or garbled state file is rebuilt from the files; the newest checkpoint
  that cannot be read or holds non-finite values is moved to ``checkpoints/unusable/`` and the
  next one used, each said in one line. A directory with checkpoint files is never fresh.
* ``usable_checkpoint(directory, step)``: the same choice read-only, for inference
  (``restore_gan``, ``bin/generate.py``, ``bin/evaluate.py``, ``bin/export.py``).
* ``CheckedCheckpointManager``: a ``tf.train.CheckpointManager`` that refuses to save a state
  with a NaN or infinite value (weights, BatchNorm statistics, optimizer slots), so every
  checkpoint on disk is one training can resume from.
* Runs: ``save_config`` / ``load_config`` (``config.json``), ``check_workdir`` (may this config
  resume here?), ``remove_run`` (``--overwrite``), ``run_checkpoint_steps``, ``restore_gan``
  (a float32 GAN from a checkpoint, for inference) and ``export_dir_of``.
"""

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import socket
import sys
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import keras
import numpy as np
import tensorflow as tf

from tfgan import _io
from tfgan import config as config_lib
from tfgan import distribute
from tfgan import task
from tfgan.gan import GAN

CONFIG_FILE = "config.json"
CHECKPOINT_DIR = "checkpoints"
SAMPLES_DIR = "samples"
TENSORBOARD_DIR = "tensorboard"
METRICS_FILE = "metrics.csv"
LOSS_CURVE_FILE = "loss_curve.png"
EXPORT_DIR = "export"
CHECKPOINT_PREFIX = "ckpt"
EVAL_FILE = "eval.csv"
BEST_DIR = "best"
BEST_JSON = "best.json"
BEST_EXPORT_DIR = "best_export"
LOCK_FILE = ".lock"
WORKER_SCRATCH_DIR = ".worker_scratch"  # non-chief workers' checkpoints, deleted at the end
STATE_FILE = "checkpoint"  # tf.train.CheckpointManager's index of the checkpoints
UNUSABLE_DIR = "unusable"  # under checkpoints/: checkpoints that could not be loaded

# What ``overwrite=True`` removes: the artifacts of a run, nothing else a user put there.
RUN_ARTIFACTS = (CONFIG_FILE, CHECKPOINT_DIR, SAMPLES_DIR, TENSORBOARD_DIR, METRICS_FILE,
                 LOSS_CURVE_FILE, EXPORT_DIR, EVAL_FILE, BEST_DIR, BEST_EXPORT_DIR)

# Temporary names of interrupted writes: TensorFlow's sharded checkpoint save, its atomic
# state-file write, tfgan.export's version directories, and tfgan's own atomic file writes.
_CHECKPOINT_TEMP = re.compile(r"^.+_temp$")
_CHECKPOINT_DATA = re.compile(r"^" + re.escape(CHECKPOINT_PREFIX) + r"-(\d+)\.data-\d+-of-\d+$")
_STATE_TEMP = re.compile(r"^" + STATE_FILE + r"\.tmp[0-9a-f]+$")
_EXPORT_TEMP = re.compile(r"^\.tmp-\d+-[0-9a-f]+$")
_EXPORT_OLD = re.compile(r"^\.old-(\d+)-[0-9a-f]+$")
_PID_TEMP = re.compile(r"\.tmp-(\d+)(\.[A-Za-z0-9]+)?$")
_CSV_TEMP = (METRICS_FILE + ".tmp", EVAL_FILE + ".tmp")


class WorkdirError(config_lib.ConfigError):
    """The work directory cannot be trained in as it is; the message says how to proceed."""


class WorkdirBusyError(WorkdirError):
    """Another process holds the work directory's lock (a trainer is running there)."""


class UnusableCheckpointError(ValueError):
    """No checkpoint (or not the requested one) can be loaded: unreadable or non-finite."""


class NonFiniteStateError(ValueError):
    """A checkpoint save was refused: the state holds NaN or infinite values.

    Attributes:
        step: the step the save was for (None if unknown).
        names: the names of the non-finite variables.
    """

    def __init__(self, step: Optional[int], names: Sequence[str]):
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        super().__init__(f"the state at step {step} holds non-finite values in {len(names)} "
                         f"variable(s) ({shown}); not saved")
        self.step = step
        self.names = list(names)


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The lock


class WorkdirLock:
    """An exclusive ``flock`` on ``<workdir>/.lock``; ``release()`` or process death frees it.

    Use ``lock(workdir)`` to take one. The lock file keeps the holder's pid, host and start
    time for the message a second trainer prints.
    """

    def __init__(self, path: str, fd: int):
        self.path = path
        self._fd = fd

    def release(self) -> None:
        """Releases the lock (idempotent). The file stays: deleting it would let a third
        process lock a new file while a second still waits on the old one."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "WorkdirLock":
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


def lock(workdir: str) -> WorkdirLock:
    """Takes ``workdir``'s lock without waiting.

    Creates ``<workdir>/.lock`` if needed; writes nothing else, and nothing at all when the
    lock is held elsewhere.

    Raises:
        WorkdirBusyError: another process holds it (the message names its pid and host).
    """
    path = os.path.join(workdir, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP):
            _stderr(f"warning: {workdir}'s file system does not support locks ({e.strerror}); "
                    "make sure no other trainer uses this work directory")
            return WorkdirLock(path, fd)
        holder = ""
        with contextlib.suppress(OSError):
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip()
        os.close(fd)
        if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            raise
        raise WorkdirBusyError(
            f"{workdir} is in use by another trainer ({holder or 'holder unknown'}); wait for "
            f"it to finish or stop it, or choose another --workdir") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, (f"pid {os.getpid()} on {socket.gethostname()} since "
                   f"{time.strftime('%Y-%m-%d %H:%M:%S')}\n").encode(), 0)
    return WorkdirLock(path, fd)


# --------------------------------------------------------------------------------------------
# Stale temporaries


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _newest_mtime(path: str) -> float:
    newest = os.path.getmtime(path)
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                newest = max(newest, os.path.getmtime(os.path.join(root, name)))
    return newest


def clean_export_dir(export_dir: str, min_age: float = 0.0) -> List[str]:
    """Removes ``.tmp-*`` versions of killed exports from ``export_dir`` and settles
    ``.old-<version>-*`` (moved back if ``<version>`` is missing, else removed).

    Args:
        export_dir: a base export directory (``tfgan.export``'s layout).
        min_age: only touch entries untouched for this many seconds (for export directories
            other processes may be writing into).

    Returns:
        The paths removed or moved back.
    """
    if not os.path.isdir(export_dir):
        return []
    done = []
    now = time.time()
    for name in sorted(os.listdir(export_dir)):
        path = os.path.join(export_dir, name)
        temp, old = _EXPORT_TEMP.match(name), _EXPORT_OLD.match(name)
        if not (temp or old) or not os.path.isdir(path):
            continue
        if min_age and now - _newest_mtime(path) < min_age:
            continue
        if old and not os.path.exists(os.path.join(export_dir, old.group(1))):
            with contextlib.suppress(OSError):
                os.rename(path, os.path.join(export_dir, old.group(1)))
                done.append(path)
                continue
        _remove(path)
        done.append(path)
    return done


def clean_stale(workdir: str, export_dirs: Iterable[str] = (),
                log: Optional[Callable[[str], None]] = None) -> List[str]:
    """Removes what killed writes left in ``workdir``; call it holding the lock.

    Removed: ``ckpt-N_temp/``, ``checkpoint.tmp*`` and the data files a write cut short before
    its ``.index`` (with its ``ckpt-N_temp/`` still there) in ``checkpoints/`` and ``best/``;
    ``.tmp-*`` exports in ``export/`` and ``best_export/`` (``.old-*`` ones put back when their
    version is missing); ``*.tmp-<pid>`` files of dead processes and ``metrics.csv.tmp``,
    ``eval.csv.tmp`` in the work directory, ``samples/`` and ``best/``. Other export
    directories in ``export_dirs`` (a run's ``--export_dir``, maybe shared) lose only temporary
    versions untouched for an hour.

    Args:
        workdir: the work directory.
        export_dirs: further base export directories of the run.
        log: called with one line when something was removed (default: nothing printed).

    Returns:
        The paths removed (or moved back).
    """
    removed = []
    for sub in (CHECKPOINT_DIR, BEST_DIR):
        directory = os.path.join(workdir, sub)
        if os.path.isdir(directory):
            names = sorted(os.listdir(directory))
            cut_short = {n[:-len("_temp")] for n in names if _CHECKPOINT_TEMP.match(n)}
            for name in names:
                path = os.path.join(directory, name)
                data = _CHECKPOINT_DATA.match(name)
                if ((_CHECKPOINT_TEMP.match(name) and os.path.isdir(path))
                        or _STATE_TEMP.match(name)
                        or (data and name.split(".", 1)[0] in cut_short
                            and name.split(".", 1)[0] + ".index" not in names)):
                    _remove(path)
                    removed.append(path)
    for sub in ("", SAMPLES_DIR, BEST_DIR):
        directory = os.path.join(workdir, sub)
        if not os.path.isdir(directory):
            continue
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            match = _PID_TEMP.search(name)
            stale = (match and not _pid_alive(int(match.group(1)))) or (
                not sub and name in _CSV_TEMP)
            if stale and os.path.isfile(path):
                _remove(path)
                removed.append(path)
    own = [os.path.join(workdir, EXPORT_DIR), os.path.join(workdir, BEST_EXPORT_DIR)]
    for export_dir in own:
        removed += clean_export_dir(export_dir)
    for export_dir in export_dirs:
        if export_dir and os.path.abspath(export_dir) not in own:
            removed += clean_export_dir(export_dir, min_age=3600.0)
    if removed and log is not None:
        shown = ", ".join(os.path.relpath(p, workdir) for p in removed[:4])
        more = f" and {len(removed) - 4} more" if len(removed) > 4 else ""
        log(f"Removed {len(removed)} leftover(s) of interrupted writes: {shown}{more}")
    return removed


# --------------------------------------------------------------------------------------------
# Checkpoints on disk


def checkpoint_files(directory: str) -> Dict[int, str]:
    """``{step: prefix}`` of the ``ckpt-<step>`` checkpoints with an ``.index`` file."""
    if not os.path.isdir(directory):
        return {}
    pattern = re.compile(r"^" + re.escape(CHECKPOINT_PREFIX) + r"-(\d+)\.index$")
    found = {}
    for name in os.listdir(directory):
        match = pattern.match(name)
        if match:
            found[int(match.group(1))] = os.path.join(directory,
                                                      f"{CHECKPOINT_PREFIX}-{match.group(1)}")
    return found


def checkpoint_steps(directory: str) -> List[int]:
    """Steps of the checkpoints in ``directory`` (ascending), from the files themselves."""
    return sorted(checkpoint_files(directory))


def step_of(path: Optional[str]) -> Optional[int]:
    """The step of a ``.../ckpt-<step>`` prefix (None for None or another name)."""
    if not path:
        return None
    suffix = path.rsplit("-", 1)[-1]
    return int(suffix) if suffix.isdigit() else None


def _short(error: BaseException, directory: str = "") -> str:
    message = str(error)
    if directory:
        message = message.replace(directory.rstrip(os.sep) + os.sep, "")
    lines = message.strip().splitlines()
    text = next((line for line in lines if line.strip() and "function_node" not in line),
                lines[0] if lines else "")
    text = text.strip()
    if len(text) > 120:
        text = text[:117] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def checkpoint_problem(prefix: str) -> Optional[str]:
    """Why checkpoint ``prefix`` cannot be resumed from, or None if it can.

    Reads every tensor (which verifies the checksums) and checks that every floating-point one
    is finite.

    Returns:
        None, or a short reason such as ``"IndexError: Read less bytes than requested"`` or
        ``"non-finite values in 35 tensors (generator/...)"``.
    """
    if not os.path.exists(prefix + ".index"):
        return "its .index file is missing"
    try:
        reader = tf.train.load_checkpoint(prefix)
        bad = []
        for key, dtype in sorted(reader.get_variable_to_dtype_map().items()):
            value = reader.get_tensor(key)
            if dtype.is_floating and not np.all(np.isfinite(np.asarray(value, np.float64))):
                bad.append(key.replace("/.ATTRIBUTES/VARIABLE_VALUE", ""))
    except Exception as e:  # pylint: disable=broad-except  (any read error makes it unusable)
        return _short(e, os.path.dirname(prefix))
    if bad:
        shown = ", ".join(bad[:2]) + (", ..." if len(bad) > 2 else "")
        return f"non-finite values in {len(bad)} tensor(s): {shown}"
    return None


def _read_state(directory: str):
    """``(CheckpointState or None, why it is unusable or None)``."""
    path = os.path.join(directory, STATE_FILE)
    if not os.path.exists(path):
        return None, "missing"
    try:
        state = tf.train.get_checkpoint_state(directory)
    except Exception as e:  # pylint: disable=broad-except  (an empty file is a ValueError)
        return None, f"unreadable ({_short(e)})"
    if state is None:
        return None, "unreadable"
    return state, None


def _name(path: str) -> str:
    return os.path.basename(path)


def _write_state(directory: str, prefixes: Sequence[str]) -> None:
    """Rewrites the state file to list ``prefixes`` (oldest first), atomically.

    The timestamps are the files' (a ``CheckpointManager`` rotates out only checkpoints
    younger than ``last_preserved_timestamp``, so that is set before the oldest).
    """
    timestamps = [os.path.getmtime(p + ".index") for p in prefixes]
    tf.__internal__.train.update_checkpoint_state(
        directory, prefixes[-1], all_model_checkpoint_paths=list(prefixes),
        save_relative_paths=True, all_model_checkpoint_timestamps=timestamps,
        last_preserved_timestamp=min(timestamps) - 1.0)


def _quarantine(directory: str, step: int) -> None:
    """Moves every file of checkpoint ``step`` into ``<directory>/unusable/``."""
    target = os.path.join(directory, UNUSABLE_DIR)
    os.makedirs(target, exist_ok=True)
    prefix = f"{CHECKPOINT_PREFIX}-{step}."
    for name in os.listdir(directory):
        if name.startswith(prefix):
            os.replace(os.path.join(directory, name), os.path.join(target, name))


def recover_checkpoints(directory: str,
                        log: Optional[Callable[[str], None]] = _stderr) -> Optional[str]:
    """Makes ``directory``'s checkpoint list whole and returns the checkpoint to resume from.

    For a trainer holding the work directory's lock, before it builds its
    ``tf.train.CheckpointManager``:

    * data files without their ``.index`` (written last: a write cut short, or a lost index)
      and the newest checkpoints that cannot be read or hold non-finite values move to
      ``<directory>/unusable/``;
    * the state file is rewritten when it is missing, empty, garbled or disagrees with the
      files (lists missing checkpoints, misses existing ones).

    What was done is logged in one line, e.g. ``ckpt-20 cannot be loaded (IndexError: Read
    less bytes than requested); moved it to .../unusable; resuming from ckpt-10``.

    Args:
        directory: the checkpoint directory (``<workdir>/checkpoints``).
        log: where the line goes.

    Returns:
        The prefix of the newest usable checkpoint, or None if there are no checkpoint files
        and no state file (a fresh directory).

    Raises:
        WorkdirError: there are checkpoints but none can be loaded, or the state file lists
            checkpoints whose files are all gone (the message says to pass --overwrite or
            restore the files).
    """
    log = log or (lambda line: None)
    files = checkpoint_files(directory)
    state, state_problem = _read_state(directory)
    if not files and not os.path.isdir(directory):
        return None
    names = os.listdir(directory) if os.path.isdir(directory) else []
    orphans = sorted({int(m.group(1)) for m in (_CHECKPOINT_DATA.match(n) for n in names)
                      if m and int(m.group(1)) not in files})
    if not files:
        if state is not None and state.model_checkpoint_path:
            raise WorkdirError(
                f"{os.path.join(directory, STATE_FILE)} lists {_name(state.model_checkpoint_path)}"
                f" but no complete checkpoint is left in {directory}; restore the files, or "
                "pass --overwrite to start afresh")
        if orphans:
            raise WorkdirError(
                f"{directory} holds checkpoint data without .index files "
                f"({', '.join(f'{CHECKPOINT_PREFIX}-{s}' for s in orphans)}); restore them, "
                "or pass --overwrite to start afresh")
        return None

    chosen, skipped = None, []
    for step in sorted(files, reverse=True):
        problem = checkpoint_problem(files[step])
        if problem is None:
            chosen = files[step]
            break
        skipped.append((step, problem))
    if chosen is None:
        details = "; ".join(f"{CHECKPOINT_PREFIX}-{s}: {p}" for s, p in skipped)
        raise WorkdirError(
            f"no checkpoint in {directory} can be loaded ({details}); pass --overwrite to "
            "start afresh or choose another --workdir")

    notes = [f"{CHECKPOINT_PREFIX}-{s} has no .index" for s in orphans]
    notes += [f"{CHECKPOINT_PREFIX}-{s} cannot be loaded ({p})" for s, p in skipped]
    moved = orphans + [s for s, _ in skipped]
    for step in moved:
        _quarantine(directory, step)
        files.pop(step, None)
    if moved:
        notes.append(f"moved {'them' if len(moved) > 1 else 'it'} to "
                     f"{os.path.join(directory, UNUSABLE_DIR)}")

    kept = [files[s] for s in sorted(files)]
    listed = [] if state is None else [_name(p) for p in state.all_model_checkpoint_paths]
    if (state is None or listed != [_name(p) for p in kept]
            or _name(state.model_checkpoint_path) != _name(kept[-1])):
        _write_state(directory, kept)
        state_file = os.path.join(directory, STATE_FILE)
        if state_problem is not None:
            notes.append(f"{state_file} was {state_problem}; rebuilt it from the checkpoint "
                         f"files: {', '.join(_name(p) for p in kept)}")
        elif not moved:
            notes.append(f"{state_file} listed {', '.join(listed) or 'nothing'}; rewrote it "
                         f"to the checkpoint files: {', '.join(_name(p) for p in kept)}")
    if notes:
        log("; ".join(notes) + f"; resuming from {_name(chosen)}")
    return chosen


def usable_checkpoint(directory: str, step: Optional[int] = None,
                      log: Optional[Callable[[str], None]] = _stderr) -> str:
    """The checkpoint to load for inference, read-only (nothing is moved or rewritten).

    Args:
        directory: the checkpoint directory.
        step: the step wanted; None for the newest usable one (falling back past unreadable or
            non-finite newer ones, which one ``log`` line reports).
        log: where the fallback line goes.

    Returns:
        The checkpoint prefix.

    Raises:
        FileNotFoundError: no checkpoint files, or none of ``step``.
        UnusableCheckpointError: the requested one, or every one, cannot be loaded.
    """
    files = checkpoint_files(directory)
    if step is not None:
        if step not in files:
            raise FileNotFoundError(
                f"no checkpoint of step {step} in {directory}; kept steps: "
                f"{', '.join(map(str, sorted(files))) or 'none'}")
        problem = checkpoint_problem(files[step])
        if problem is not None:
            raise UnusableCheckpointError(f"{files[step]} cannot be loaded ({problem}); "
                                          f"kept steps: {', '.join(map(str, sorted(files)))}")
        return files[step]
    if not files:
        raise FileNotFoundError(f"no checkpoint in {directory}")
    skipped = []
    for candidate in sorted(files, reverse=True):
        problem = checkpoint_problem(files[candidate])
        if problem is None:
            if skipped and log is not None:
                log("; ".join(f"{CHECKPOINT_PREFIX}-{s} cannot be loaded ({p})"
                              for s, p in skipped) + f"; using {_name(files[candidate])}")
            return files[candidate]
        skipped.append((candidate, problem))
    raise UnusableCheckpointError(
        f"no checkpoint in {directory} can be loaded ("
        + "; ".join(f"{CHECKPOINT_PREFIX}-{s}: {p}" for s, p in skipped) + ")")


def newest_finite_checkpoint(directory: str) -> Optional[str]:
    """The newest checkpoint in ``directory`` that loads and holds only finite values."""
    files = checkpoint_files(directory)
    for step in sorted(files, reverse=True):
        if checkpoint_problem(files[step]) is None:
            return files[step]
    return None


# --------------------------------------------------------------------------------------------
# Saving only finite states


def nonfinite_variables(variables: Iterable) -> List[str]:
    """Names of the floating-point variables holding a NaN or an infinity."""
    bad = []
    for variable in variables:
        dtype = tf.as_dtype(getattr(variable, "dtype", tf.float32))
        if not dtype.is_floating:
            continue
        value = tf.convert_to_tensor(variable)
        if not bool(tf.reduce_all(tf.math.is_finite(value))):
            bad.append(getattr(variable, "path", None) or getattr(variable, "name", "?"))
    return bad


class CheckedCheckpointManager(tf.train.CheckpointManager):
    """A ``tf.train.CheckpointManager`` whose ``save`` refuses non-finite states.

    Args:
        checkpoint, directory, max_to_keep, **kwargs: as ``tf.train.CheckpointManager``.
        variables_fn: returns the variables to check before each save (all the floating-point
            state the checkpoint holds: weights, BatchNorm statistics, optimizer slots).

    Attributes:
        save_guard: a context-manager factory each save runs in (default: none), e.g.
            ``StopOnSignal.deferred`` so that a second Ctrl-C cannot cut a save short.
    """

    def __init__(self, checkpoint, directory, max_to_keep, *,
                 variables_fn: Callable[[], Iterable], **kwargs):
        super().__init__(checkpoint, directory, max_to_keep, **kwargs)
        self.variables_fn = variables_fn
        self.save_guard = contextlib.nullcontext

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Saves like ``tf.train.CheckpointManager.save`` if the state is all finite.

        Raises:
            NonFiniteStateError: some variable holds a NaN or an infinity (nothing written).
        """
        bad = nonfinite_variables(self.variables_fn())
        if bad:
            raise NonFiniteStateError(checkpoint_number, bad)
        with self.save_guard():
            return super().save(checkpoint_number=checkpoint_number,
                                check_interval=check_interval, options=options)


# --------------------------------------------------------------------------------------------
# Runs: config.json, checkpoints of a work directory, restoring its GAN, export paths


def run_checkpoint_steps(workdir: str) -> List[int]:
    """Steps of the checkpoints kept in the work directory ``workdir`` (ascending), read from
    the files on disk (a lost or garbled ``checkpoints/checkpoint`` does not hide them)."""
    return checkpoint_steps(os.path.join(workdir, CHECKPOINT_DIR))


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
    path = usable_checkpoint(os.path.join(workdir, CHECKPOINT_DIR), step)
    gan = restore_float32(config, path)
    return gan, int(np.asarray(gan.batches_seen)), config


def restore_float32(config: config_lib.Config, path: str) -> GAN:
    """A float32 GAN of ``config`` with the networks, step and RNG state of checkpoint ``path``
    (the global dtype policy is left as it was)."""
    previous_policy = keras.config.dtype_policy()
    distribute.set_precision("float32")
    try:
        gan = task.build_gan(config.replace(mixed_precision="float32"))
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)
    task.make_checkpoint(gan, include_optimizers=False).restore(
        path).assert_existing_objects_matched().expect_partial()
    return gan


def save_config(config: config_lib.Config, workdir: str) -> str:
    """Writes ``config`` to ``<workdir>/config.json`` (atomically); returns the path."""
    return _io.write_json(os.path.join(workdir, CONFIG_FILE), config.to_dict())


def remove_run(workdir: str) -> None:
    """Deletes the artifacts of a previous run (``RUN_ARTIFACTS``, workers' scratch space)."""
    for name in RUN_ARTIFACTS + (WORKER_SCRATCH_DIR,):
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
    has_checkpoints = bool(run_checkpoint_steps(workdir))
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


def export_dir_of(config: config_lib.Config, workdir: str) -> str:
    """``config.export_dir``, or ``<workdir>/export`` when it is empty."""
    return config.export_dir or os.path.join(workdir, EXPORT_DIR)
