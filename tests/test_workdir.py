"""Tests for tfgan.workdir: nothing lost to crashes, corruption, concurrency or divergence.

In-process runs on the smoke config copy one shared run (module fixture) and damage it;
tests that need a real signal, a second process or a kill run ``bin/train.py`` in a
subprocess (marked slow: each starts TensorFlow).
"""

import csv
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfgan import config as config_lib
from tfgan import evaluation
from tfgan import task
from tfgan import train_lib
from tfgan import workdir as workdir_lib
from conftest import smoke_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE_CFG = os.path.join(REPO, "configs", "smoke.cfg")


def metric_steps(workdir):
    with open(os.path.join(workdir, "metrics.csv"), newline="") as f:
        return [int(row["step"]) for row in csv.DictReader(f)]


def tree(directory):
    """``{relative path: (size, mtime_ns)}`` of every file and directory under ``directory``."""
    found = {}
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            stat = os.stat(path)
            found[os.path.relpath(path, directory)] = (
                None if os.path.isdir(path) else stat.st_size, stat.st_mtime_ns)
    return found


def truncate(path, fraction=0.5):
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(int(size * fraction))


def garble(path, offset=10, length=10):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"\xff" * length)


def all_checkpoints_finite(workdir):
    directory = os.path.join(workdir, "checkpoints")
    return all(workdir_lib.checkpoint_problem(prefix) is None
               for prefix in workdir_lib.checkpoint_files(directory).values())


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("smoke"))
    config = smoke_config()
    train_lib.train_and_evaluate(config, workdir)
    return workdir, config


@pytest.fixture
def run_copy(smoke_run, tmp_path):
    workdir = str(tmp_path / "run")
    shutil.copytree(smoke_run[0], workdir)
    return workdir, smoke_run[1]


# --------------------------------------------------------------------------------------------
# 1. A lost or garbled checkpoints/checkpoint


@pytest.mark.parametrize("damage", ["missing", "garbled"])
def test_a_lost_state_file_is_rebuilt_and_the_run_resumes(run_copy, damage, capsys):
    workdir, config = run_copy
    state = os.path.join(workdir, "checkpoints", "checkpoint")
    if damage == "missing":
        os.remove(state)
    else:
        with open(state, "w") as f:
            f.write("model_checkpoint_path: {{{ garbage")
    # Leftovers of killed writes are cleaned on the way (item 6).
    os.makedirs(os.path.join(workdir, "checkpoints", "ckpt-30_temp"))
    os.makedirs(os.path.join(workdir, "export", ".tmp-30-0123456789ab"))

    result = train_lib.train_and_evaluate(config.replace(train_steps=25), workdir)
    out = capsys.readouterr().out
    assert result["start_step"] == 20 and result["step"] == 25
    assert f"checkpoints/checkpoint was {damage if damage == 'missing' else 'unreadable'}" \
        in out
    assert "rebuilt it from the checkpoint files: ckpt-10, ckpt-20" in out
    assert metric_steps(workdir) == [5, 10, 15, 20, 25]
    assert workdir_lib.run_checkpoint_steps(workdir) == [20, 25]
    # The manager tracks the recovered files again: ckpt-10 was rotated out.
    state = tf.train.get_checkpoint_state(os.path.join(workdir, "checkpoints"))
    assert [os.path.basename(p) for p in state.all_model_checkpoint_paths] == \
        ["ckpt-20", "ckpt-25"]
    assert sorted(os.listdir(os.path.join(workdir, "export"))) == ["20", "25"]
    assert not os.path.exists(os.path.join(workdir, "checkpoints", "ckpt-30_temp"))


def test_an_empty_state_file_is_rebuilt(run_copy):
    workdir, _ = run_copy
    directory = os.path.join(workdir, "checkpoints")
    open(os.path.join(directory, "checkpoint"), "w").close()
    lines = []
    latest = workdir_lib.recover_checkpoints(directory, log=lines.append)
    assert latest == os.path.join(directory, "ckpt-20")
    assert len(lines) == 1 and "was unreadable" in lines[0]
    assert tf.train.latest_checkpoint(directory) == latest


def test_checkpoint_files_are_never_a_fresh_directory(run_copy):
    workdir, config = run_copy
    os.remove(os.path.join(workdir, "checkpoints", "checkpoint"))
    assert workdir_lib.run_checkpoint_steps(workdir) == [10, 20]
    os.remove(os.path.join(workdir, "config.json"))
    with pytest.raises(config_lib.ConfigError, match="checkpoints but no config.json"):
        workdir_lib.check_workdir(config, workdir)


def test_a_state_file_whose_checkpoints_are_gone_is_refused(run_copy):
    workdir, _ = run_copy
    directory = os.path.join(workdir, "checkpoints")
    for name in os.listdir(directory):
        if name.startswith("ckpt-"):
            os.remove(os.path.join(directory, name))
    with pytest.raises(workdir_lib.WorkdirError, match="no complete checkpoint is left.*"
                                                        "--overwrite"):
        workdir_lib.recover_checkpoints(directory, log=None)


# --------------------------------------------------------------------------------------------
# 2. One trainer per work directory


def test_a_locked_workdir_is_refused_before_anything_is_written(run_copy):
    workdir, config = run_copy
    with workdir_lib.lock(workdir):
        before = tree(workdir)
        with pytest.raises(workdir_lib.WorkdirBusyError, match="in use by another trainer"):
            train_lib.train_and_evaluate(config.replace(train_steps=25), workdir)
        assert tree(workdir) == before
    # Released: the lock can be taken again.
    workdir_lib.lock(workdir).release()


_HOLD_LOCK = textwrap.dedent("""
    import sys, time
    from tfgan import workdir
    lock = workdir.lock(sys.argv[1])
    print("locked", flush=True)
    time.sleep(600)
""")


def own_lines(stderr):
    """The non-empty stderr lines that are not TensorFlow's native (C++/absl) logging."""
    return [line for line in stderr.splitlines() if line.strip()
            and not re.match(r"^[IWEF]\d{4} |^WARNING: All log messages before absl", line)]


def _env():
    return dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
                TF_CPP_MIN_LOG_LEVEL="2")


@pytest.mark.slow
def test_a_second_trainer_gets_one_error_line_and_a_dead_holder_frees_the_lock(run_copy):
    workdir, _ = run_copy
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, workdir], env=_env(),
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = tree(workdir)
        second = subprocess.run(
            [sys.executable, os.path.join(REPO, "bin", "train.py"), f"--flagfile={SMOKE_CFG}",
             f"--workdir={workdir}", "--train_steps=25"],
            env=_env(), capture_output=True, text=True, timeout=300)
        assert second.returncode == 1
        lines = own_lines(second.stderr)
        assert len(lines) == 1, second.stderr
        assert lines[0].startswith("error: ") and "in use by another trainer" in lines[0]
        assert f"pid {holder.pid}" in lines[0]
        assert tree(workdir) == before
    finally:
        holder.kill()  # SIGKILL: no chance to unlock
        holder.wait()
    workdir_lib.lock(workdir).release()


# --------------------------------------------------------------------------------------------
# 3. The newest checkpoint cannot be loaded


def _damage_ckpt_20(workdir, how):
    prefix = os.path.join(workdir, "checkpoints", "ckpt-20")
    if how == "truncated":
        truncate(prefix + ".data-00000-of-00001")
    elif how == "garbled":
        garble(prefix + ".data-00000-of-00001", offset=100, length=64)
    elif how == "garbled_index":
        garble(prefix + ".index")
    else:
        os.remove(prefix + ".index")


def test_a_checkpoint_without_its_index_is_set_aside_in_one_line(run_copy):
    workdir, _ = run_copy
    _damage_ckpt_20(workdir, "missing_index")
    directory = os.path.join(workdir, "checkpoints")
    lines = []
    assert workdir_lib.recover_checkpoints(directory, log=lines.append) == \
        os.path.join(directory, "ckpt-10")
    assert lines == [f"ckpt-20 has no .index; moved it to {directory}/unusable; resuming from "
                     "ckpt-10"]
    assert os.listdir(os.path.join(directory, "unusable")) == ["ckpt-20.data-00000-of-00001"]
    assert tf.train.latest_checkpoint(directory) == os.path.join(directory, "ckpt-10")


@pytest.mark.parametrize("how", ["truncated", "garbled", "garbled_index", "missing_index"])
def test_usable_checkpoint_falls_back_past_a_damaged_newest(run_copy, how):
    workdir, _ = run_copy
    _damage_ckpt_20(workdir, how)
    directory = os.path.join(workdir, "checkpoints")
    lines = []
    assert workdir_lib.usable_checkpoint(directory, log=lines.append) == \
        os.path.join(directory, "ckpt-10")
    if how == "missing_index":
        assert lines == []  # without its .index it is not a checkpoint at all
    else:
        assert len(lines) == 1
        assert lines[0].startswith("ckpt-20 cannot be loaded (")
        assert lines[0].endswith("; using ckpt-10")


def test_restore_gan_falls_back_and_refuses_an_explicit_damaged_step(run_copy, capsys):
    workdir, _ = run_copy
    _damage_ckpt_20(workdir, "truncated")
    gan, step, _ = train_lib.restore_gan(workdir)
    assert step == 10 == int(np.asarray(gan.batches_seen))
    assert "ckpt-20 cannot be loaded (IndexError" in capsys.readouterr().err
    with pytest.raises(workdir_lib.UnusableCheckpointError, match="ckpt-20 cannot be loaded"):
        train_lib.restore_gan(workdir, step=20)


def test_training_resumes_from_the_newest_loadable_checkpoint(run_copy, capsys):
    workdir, config = run_copy
    _damage_ckpt_20(workdir, "garbled")
    result = train_lib.train_and_evaluate(config.replace(train_steps=25), workdir)
    out = capsys.readouterr().out
    assert result["start_step"] == 10 and result["step"] == 25
    lines = [line for line in out.splitlines() if "cannot be loaded" in line]
    assert len(lines) == 1 and "Checksum does not match" in lines[0]
    assert lines[0].endswith("; moved it to "
                             f"{os.path.join(workdir, 'checkpoints', 'unusable')}; "
                             "resuming from ckpt-10")
    unusable = os.path.join(workdir, "checkpoints", "unusable")
    assert sorted(os.listdir(unusable)) == ["ckpt-20.data-00000-of-00001", "ckpt-20.index"]
    assert workdir_lib.run_checkpoint_steps(workdir) == [20, 25]
    assert metric_steps(workdir) == [5, 10, 15, 20, 25]
    assert all_checkpoints_finite(workdir)


def test_no_loadable_checkpoint_stops_with_an_error(run_copy):
    workdir, config = run_copy
    for step in (10, 20):
        truncate(os.path.join(workdir, "checkpoints", f"ckpt-{step}.data-00000-of-00001"))
    with pytest.raises(config_lib.ConfigError, match="no checkpoint in .* can be loaded.*"
                                                     "--overwrite"):
        train_lib.train_and_evaluate(config.replace(train_steps=25), workdir)
    assert workdir_lib.run_checkpoint_steps(workdir) == [10, 20]  # nothing moved, nothing fresh


# --------------------------------------------------------------------------------------------
# 4. Divergence: only finite states are saved


class _Poison(keras.callbacks.Callback):
    """At ``step``, sets the generator's first BatchNorm moving variance to +inf: the losses
    stay finite (training mode uses batch statistics), the state does not."""

    def __init__(self, step):
        super().__init__()
        self.step = step

    def on_train_batch_end(self, batch, logs=None):
        if int(np.asarray(self.model.batches_seen)) == self.step:
            variance = [v for v in self.model.generator.weights
                        if "moving_variance" in v.path][0]
            variance.assign(np.full(variance.shape, np.inf, np.float32))


def test_a_non_finite_state_is_never_saved(run_copy):
    workdir, config = run_copy
    with pytest.raises(train_lib.TrainingDiverged) as error:
        train_lib.train_and_evaluate(config.replace(train_steps=40), workdir,
                                     callbacks=[_Poison(23)])
    message = str(error.value)
    # Poisoned at step 23, refused at the next checkpoint.
    assert "training diverged: the state at step 30 holds non-finite values" in message
    assert "moving_variance" in message
    assert message.count("ckpt-20") == 1 and "last checkpoint with finite values" in message
    assert workdir_lib.run_checkpoint_steps(workdir) == [10, 20]
    assert all_checkpoints_finite(workdir)


def test_an_old_non_finite_checkpoint_is_neither_resumed_nor_called_good(run_copy, capsys):
    workdir, config = run_copy
    # A checkpoint written before this guard existed: step 20 with an infinite optimizer slot.
    gan = task.build_gan(config)
    checkpoint = task.make_checkpoint(gan)
    prefix = os.path.join(workdir, "checkpoints", "ckpt-20")
    checkpoint.restore(prefix).assert_existing_objects_matched()
    slot = [v for v in gan.g_optimizer.variables if "momentum" in v.path][0]
    slot.assign(np.full(slot.shape, np.nan, np.float32))
    checkpoint.write(prefix)
    assert "non-finite values in 1 tensor(s): g_optimizer" in \
        workdir_lib.checkpoint_problem(prefix)
    assert workdir_lib.newest_finite_checkpoint(os.path.dirname(prefix)).endswith("ckpt-10")

    result = train_lib.train_and_evaluate(config.replace(train_steps=25), workdir)
    assert result["start_step"] == 10
    assert "ckpt-20 cannot be loaded (non-finite values" in capsys.readouterr().out
    assert all_checkpoints_finite(workdir)


def test_checked_manager_refuses_non_finite_values(tmp_path):
    good, bad = tf.Variable([1.0, 2.0], name="good"), tf.Variable([1.0, 2.0], name="bad")
    manager = workdir_lib.CheckedCheckpointManager(
        tf.train.Checkpoint(good=good, bad=bad), str(tmp_path), max_to_keep=2,
        variables_fn=lambda: [good, bad, tf.Variable(3)])
    assert manager.save(checkpoint_number=1).endswith("ckpt-1")
    bad.assign([1.0, math.inf])
    with pytest.raises(workdir_lib.NonFiniteStateError, match="step 2 .* 1 variable.*bad"):
        manager.save(checkpoint_number=2)
    assert workdir_lib.checkpoint_steps(str(tmp_path)) == [1]
    assert manager.latest_checkpoint.endswith("ckpt-1")


# --------------------------------------------------------------------------------------------
# 5. A second Ctrl-C


# Runs bin/train.py with a first SIGINT at the end of step argv[2] and a second one where
# argv[1] says: "fit" (in the same batch), "save" (inside the stop checkpoint's write) or
# "plot" (while the loss curve is drawn, after the checkpoint).
_SECOND_CTRL_C = textwrap.dedent("""
    import os, runpy, signal, sys, time
    import tensorflow as tf
    from tfgan import callbacks as callbacks_lib

    when, stop_step = sys.argv[1], int(sys.argv[2])

    def ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.3)  # the handler runs in here

    batch_end = callbacks_lib.StopOnNonFinite.on_train_batch_end
    def on_batch_end(self, batch, logs=None):
        batch_end(self, batch, logs)
        if callbacks_lib.global_step(self.model) == stop_step:
            ctrl_c()
            if when == "fit":
                ctrl_c()
    callbacks_lib.StopOnNonFinite.on_train_batch_end = on_batch_end

    save = tf.train.CheckpointManager.save
    def patched_save(self, checkpoint_number=None, **kwargs):
        if when == "save" and checkpoint_number == stop_step:
            ctrl_c()
        return save(self, checkpoint_number=checkpoint_number, **kwargs)
    tf.train.CheckpointManager.save = patched_save

    plot = callbacks_lib.plot_loss_curve
    def patched_plot(*args, **kwargs):
        if when == "plot":
            ctrl_c()
        return plot(*args, **kwargs)
    callbacks_lib.plot_loss_curve = patched_plot

    sys.argv = ["train.py"] + sys.argv[3:]
    runpy.run_path(os.path.join(os.environ["REPO"], "bin", "train.py"), run_name="__main__")
""")


@pytest.mark.slow
@pytest.mark.parametrize("when", ["fit", "save", "plot"])
def test_a_second_ctrl_c_still_leaves_the_stop_checkpoint_and_exits_130(tmp_path, when):
    workdir = str(tmp_path / "run")
    process = subprocess.run(
        [sys.executable, "-c", _SECOND_CTRL_C, when, "7", f"--flagfile={SMOKE_CFG}",
         f"--workdir={workdir}"],
        env=dict(_env(), REPO=REPO), capture_output=True, text=True, timeout=300)
    assert process.returncode == 128 + signal.SIGINT, process.stderr[-3000:]
    assert "Traceback" not in process.stderr
    lines = own_lines(process.stderr)
    assert lines[-1] == f"Interrupted at step 7; checkpoint: {workdir}/checkpoints/ckpt-7", \
        process.stderr[-3000:]
    assert (when == "save") == any("Saving the checkpoint first" in line for line in lines)
    directory = os.path.join(workdir, "checkpoints")
    assert tf.train.latest_checkpoint(directory) == os.path.join(directory, "ckpt-7")
    assert workdir_lib.checkpoint_problem(os.path.join(directory, "ckpt-7")) is None
    assert not os.path.exists(os.path.join(workdir, "export"))  # stopped, not finished


# --------------------------------------------------------------------------------------------
# 6. Leftovers of killed writes


def test_clean_stale_removes_leftovers_and_keeps_everything_else(tmp_path):
    workdir = str(tmp_path)
    dead_pid = 2 ** 22 + 12345  # above pid_max's default: never a live process
    keep = ["config.json", "notes.tmp", "samples/step_0000010.png", "export/20/saved_model.pb",
            "checkpoints/ckpt-10.index", "checkpoints/ckpt-10.data-00000-of-00001",
            "checkpoints/ckpt-20.data-00000-of-00001",  # no .index, no _temp: not ours to judge
            f"samples/.step_0000020.png.tmp-{os.getpid()}"]
    stale = ["checkpoints/ckpt-30_temp/part-00000-of-00001.index",
             "checkpoints/ckpt-30.data-00000-of-00001",  # moved out before the index was written
             "checkpoints/checkpoint.tmp0123456789abcdef0123456789abcdef",
             "best/ckpt-40_temp/part", "export/.tmp-30-0123456789ab/saved_model.pb",
             "best_export/.tmp-40-0123456789ab/x", f"config.json.tmp-{dead_pid}",
             f"samples/.step_0000030.png.tmp-{dead_pid}",
             f".loss_curve.png.tmp-{dead_pid}.png", "metrics.csv.tmp"]
    for path in keep + stale + ["export/.old-10-0123456789ab/saved_model.pb",
                                "export/.old-20-0123456789ab/saved_model.pb"]:
        os.makedirs(os.path.dirname(os.path.join(workdir, path)), exist_ok=True)
        with open(os.path.join(workdir, path), "w") as f:
            f.write("x")
    lines = []
    removed = workdir_lib.clean_stale(workdir, log=lines.append)
    assert len(removed) == 12 and len(lines) == 1 and "12 leftover(s)" in lines[0]
    for path in keep:
        assert os.path.exists(os.path.join(workdir, path)), path
    for path in stale:
        assert not os.path.exists(os.path.join(workdir, path)), path
    # A killed overwrite export: the old version 10 is put back, the old 20 (replaced) goes.
    assert sorted(os.listdir(os.path.join(workdir, "export"))) == ["10", "20"]


# --------------------------------------------------------------------------------------------
# 7. KID's standard deviation with fewer samples than one subset


def test_kid_std_is_unavailable_when_every_subset_is_the_whole_set():
    rng = np.random.default_rng(0)
    fake, real = rng.normal(size=(50, 8)), rng.normal(size=(60, 8))
    mean, std = evaluation.kernel_inception_distance(fake, real[:50], num_subsets=10,
                                                     subset_size=1000)
    assert math.isfinite(mean) and math.isnan(std)  # not ~1e-16: the subsets cannot differ
    for real_rows, subset_size in ((60, 1000), (50, 20)):
        mean, std = evaluation.kernel_inception_distance(
            fake, real[:real_rows], num_subsets=10, subset_size=subset_size)
        assert math.isfinite(mean) and std > 1e-6, (real_rows, subset_size)


def test_an_unavailable_kid_std_reads_n_a():
    from tfgan import eval_lib  # pylint: disable=import-outside-toplevel
    line = eval_lib.format_result({"step": 5, "fid": 1.0, "kid": 0.25, "kid_std": None,
                                   "num_samples": 10, "num_real_samples": 10})
    assert "KID 0.2500 ± n/a" in line
