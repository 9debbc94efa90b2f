"""Fault injection: SIGKILL ``bin/train.py`` at random moments, resume, and count what was lost.

    python benchmarks/fault_injection.py --kills=15 --seed=0

Trains ``configs/smoke.cfg`` (with more steps, a metrics row every step) in one work directory
and kills the trainer ``--kills`` times with SIGKILL, each time at a moment of a randomly chosen
kind:

``startup``     a random instant in the first seconds (TensorFlow import, cleanup, recovery);
``training``    after a random number of new metrics rows;
``checkpoint``  the moment a checkpoint write is seen in flight (a ``ckpt-N_temp/`` directory
                or a checkpoint newer than the state file), or just after one;
``export``      a random instant while the final export is being written (``export/.tmp-*``).

The run's ``--train_steps`` grows by ``--segment_steps`` each time a segment completes, so
each segment ends with an export that can be killed. After the last kill the trainer is run
to completion. Then it prints one table:

* resumes that failed: a run that was not killed but exited non-zero, printed a traceback,
  started at step 0 although checkpoints existed, or was refused its own work directory;
* steps lost beyond ``--checkpoint_every``: the last step logged before a kill minus the step
  the next run resumed from, when larger than ``--checkpoint_every``;
* unloadable or non-finite checkpoints: ``ckpt-*`` on disk after each kill that cannot be read
  or hold NaN/inf (``tfgan.workdir.checkpoint_problem``), and ones a resume had to set aside;
* half exports: ``export/<step>/`` without a complete SavedModel after each kill, and final
  exports that fail to load and run;
* duplicated or out-of-order metrics rows: ``metrics.csv`` steps not strictly increasing (after
  each kill and at the end), and missing steps at the end;
* leftovers: temporaries of killed writes still present after the final run.

All should be zero. Timing depends on the machine's load; the kinds of kill are the point.
"""

import csv
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

from absl import app
from absl import flags as absl_flags

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_integer("kills", 15, "Number of SIGKILLs.")
absl_flags.DEFINE_integer("seed", 0, "Seed of the kill schedule.")
absl_flags.DEFINE_integer("segment_steps", 60, "Steps added to --train_steps per segment.")
absl_flags.DEFINE_integer("checkpoint_every", 10, "The trainer's --checkpoint_every.")
absl_flags.DEFINE_list("kinds", ["startup", "training", "checkpoint", "export"],
                       "Kinds of kill moment to choose from.")
absl_flags.DEFINE_string("workdir", None, "Work directory (default: a temporary one, removed).")
absl_flags.DEFINE_float("timeout", 300.0, "Seconds before a run counts as hung.")

_RESUMED = re.compile(r"^Resuming .* from step (\d+) ")
_FRESH = re.compile(r"^Training \S+ in ")


def _metrics_steps(workdir: str) -> List[int]:
    """Steps of metrics.csv's complete rows (a row cut by a kill is ignored)."""
    path = os.path.join(workdir, "metrics.csv")
    if not os.path.exists(path):
        return []
    with open(path, newline="") as f:
        text = f.read()
    if not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    steps = []
    for row in csv.DictReader(text.splitlines()):
        try:
            steps.append(int(row["step"]))
        except (KeyError, TypeError, ValueError):
            steps.append(-1)  # a garbled row counts as out of order
    return steps


def _checkpoint_dir(workdir):
    return os.path.join(workdir, "checkpoints")


def _index_steps(workdir: str) -> List[int]:
    directory = _checkpoint_dir(workdir)
    if not os.path.isdir(directory):
        return []
    return sorted(int(m.group(1)) for m in (re.match(r"^ckpt-(\d+)\.index$", n)
                                             for n in os.listdir(directory)) if m)


def _listing(directory: str) -> set:
    try:
        return set(os.listdir(directory))
    except FileNotFoundError:
        return set()


def _write_in_flight(workdir: str, before: set) -> bool:
    """A checkpoint write started since ``before`` (the directory's names at launch): a new
    ``ckpt-N_temp/`` or a new ``.index``."""
    new = _listing(_checkpoint_dir(workdir)) - before
    return any(name.endswith("_temp") or name.endswith(".index") for name in new)


def _export_in_flight(workdir: str, before: set) -> bool:
    """An export temporary not present at launch (a stale one is not this run's)."""
    new = _listing(os.path.join(workdir, "export")) - before
    return any(name.startswith(".tmp-") for name in new)


class Trainer:
    """One ``bin/train.py`` process with its output in files."""

    def __init__(self, workdir: str, train_steps: int, log_dir: str, index: int):
        self.stdout_path = os.path.join(log_dir, f"run-{index:03d}.out")
        self.stderr_path = os.path.join(log_dir, f"run-{index:03d}.err")
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.started = time.time()
        with open(self.stdout_path, "w") as out, open(self.stderr_path, "w") as err:
            self.process = subprocess.Popen(
                [sys.executable, os.path.join(ROOT, "bin", "train.py"),
                 f"--flagfile={os.path.join(ROOT, 'configs', 'smoke.cfg')}",
                 f"--workdir={workdir}", f"--train_steps={train_steps}",
                 f"--checkpoint_every={FLAGS.checkpoint_every}", "--log_every=1",
                 "--keep_checkpoints=3", "--sample_every=20"],
                stdout=out, stderr=err, env=env, cwd=ROOT)

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=FLAGS.timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return -999

    def output(self):
        with open(self.stdout_path) as f:
            out = f.read()
        with open(self.stderr_path) as f:
            err = f.read()
        return out, err

    def start_step(self) -> Optional[int]:
        for line in self.output()[0].splitlines():
            match = _RESUMED.match(line)
            if match:
                return int(match.group(1))
            if _FRESH.match(line):
                return 0
        return None


def _kill_at(trainer: Trainer, kind: str, workdir: str, rng: random.Random) -> Dict:
    """Waits for a moment of ``kind`` and kills; returns what happened."""
    deadline = time.time() + FLAGS.timeout
    event = {"kind": kind, "killed": False, "hit": ""}
    if kind == "startup":
        time.sleep(rng.uniform(0.5, 12.0))
        event["hit"] = "startup"
    elif kind == "training":
        base = (_metrics_steps(workdir) or [0])[-1]
        target = base + rng.randint(1, 2 * FLAGS.checkpoint_every)
        while trainer.alive() and time.time() < deadline:
            steps = _metrics_steps(workdir)
            if steps and steps[-1] >= target:
                break
            time.sleep(0.01)
        event["hit"] = "mid-training"
    elif kind == "checkpoint":
        known = _listing(_checkpoint_dir(workdir))
        while trainer.alive() and time.time() < deadline:
            steps = _metrics_steps(workdir)
            if steps and (steps[-1] + 1) % FLAGS.checkpoint_every == 0:
                break
            if _write_in_flight(workdir, known):
                break
            time.sleep(0.005)
        # Busy-poll through the write: the smoke model writes in milliseconds.
        busy_until = time.time() + 3.0
        while trainer.alive() and time.time() < busy_until:
            new = _listing(_checkpoint_dir(workdir)) - known
            if any(name.endswith("_temp") for name in new):
                event["hit"] = "inside a checkpoint write"
                break
            if any(name.endswith(".index") for name in new):
                event["hit"] = "as a checkpoint lands"
                break
        event["hit"] = event["hit"] or "near a checkpoint"
    elif kind == "export":
        stale = _listing(os.path.join(workdir, "export"))
        while trainer.alive() and time.time() < deadline:
            if _export_in_flight(workdir, stale):
                time.sleep(rng.uniform(0.0, 1.5))
                event["hit"] = ("inside the export" if _export_in_flight(workdir, stale)
                                else "just after the export")
                break
            time.sleep(0.005)
    if trainer.alive():
        event["last_step"] = (_metrics_steps(workdir) or [0])[-1]
        trainer.kill()
        event["killed"] = True
    return event


def _check_workdir(workdir: str, counts: Dict[str, int], notes: List[str]) -> None:
    """Counts unloadable checkpoints, half exports and bad metrics rows on disk now."""
    from tfgan import workdir as workdir_lib  # pylint: disable=import-outside-toplevel

    for step, prefix in workdir_lib.checkpoint_files(_checkpoint_dir(workdir)).items():
        problem = workdir_lib.checkpoint_problem(prefix)
        if problem:
            counts["unloadable or non-finite checkpoints"] += 1
            notes.append(f"ckpt-{step}: {problem}")
    export_dir = os.path.join(workdir, "export")
    if os.path.isdir(export_dir):
        for name in os.listdir(export_dir):
            path = os.path.join(export_dir, name)
            if name.isdigit() and not all(os.path.exists(os.path.join(path, part)) for part in (
                    "saved_model.pb", "variables/variables.index",
                    "assets.extra/tfgan_export.json")):
                counts["half exports"] += 1
                notes.append(f"half export {path}: {sorted(os.listdir(path))}")
    steps = _metrics_steps(workdir)
    bad = sum(1 for a, b in zip(steps, steps[1:]) if b <= a)
    if bad:
        counts["duplicated or out-of-order metrics rows"] += bad
        notes.append(f"metrics.csv steps not increasing: {steps}")


def main(argv):
    del argv
    rng = random.Random(FLAGS.seed)
    workdir = FLAGS.workdir or tempfile.mkdtemp(prefix="fault-injection-")
    log_dir = workdir.rstrip("/") + "-logs"
    os.makedirs(log_dir, exist_ok=True)
    counts = {name: 0 for name in (
        "resumes that failed", "steps lost beyond --checkpoint_every",
        "unloadable or non-finite checkpoints", "half exports",
        "duplicated or out-of-order metrics rows", "leftovers of killed writes")}
    notes: List[str] = []
    events: List[Dict] = []
    started = time.time()
    train_steps = FLAGS.segment_steps
    pending = None  # the last kill, checked against the next run's start step
    index = 0
    kills = 0
    while True:
        final = kills >= FLAGS.kills
        had_checkpoints = bool(_index_steps(workdir))
        trainer = Trainer(workdir, train_steps, log_dir, index)
        index += 1
        if final:
            event = {"kind": "final", "killed": False}
        else:
            event = _kill_at(trainer, rng.choice(FLAGS.kinds), workdir, rng)
        rc = None if event["killed"] else trainer.wait()
        out, err = trainer.output()
        start = trainer.start_step()
        event.update(run=index, train_steps=train_steps, rc=rc, start=start)
        events.append(event)

        # Did this run resume as it should?
        failed = []
        if rc not in (None, 0):
            failed.append(f"exit {rc}")
        if "Traceback" in err:
            failed.append("traceback")
        if "in use by another trainer" in err:
            failed.append("refused its own work directory")
        if start == 0 and had_checkpoints:
            failed.append("restarted at step 0")
        if failed:
            counts["resumes that failed"] += 1
            notes.append(f"run {index}: {', '.join(failed)} ({trainer.stderr_path})")
        # Steps lost by the previous kill.
        if pending is not None and start is not None:
            lost = pending["last_step"] - start
            pending["lost"] = lost
            if lost > FLAGS.checkpoint_every:
                counts["steps lost beyond --checkpoint_every"] += 1
                notes.append(f"run {index}: resumed at {start} after a kill at step "
                             f"{pending['last_step']} ({lost} steps lost)")
        for line in (out + err).splitlines():
            if "cannot be loaded" in line or "has no .index" in line:
                counts["unloadable or non-finite checkpoints"] += 1
                notes.append(f"run {index}: {line}")
        _check_workdir(workdir, counts, notes)

        if event["killed"]:
            kills += 1
            pending = event
        else:
            pending = None
            if rc == 0 and "Done: step" in out:
                if final:
                    break
                train_steps += FLAGS.segment_steps  # the next segment
            elif final:
                break
        print(f"run {index:3d}: {event['kind']:<10} {event.get('hit', ''):<27} "
              f"start {start if start is not None else '-':>4}  "
              f"{'killed at step ' + str(event.get('last_step')) if event['killed'] else f'exit {rc}'}",
              flush=True)

    # The end state: every step logged once, exports load and run, no temporaries left.
    steps = _metrics_steps(workdir)
    if steps != list(range(1, train_steps + 1)):
        counts["duplicated or out-of-order metrics rows"] += 1
        missing = sorted(set(range(1, train_steps + 1)) - set(steps))
        notes.append(f"final metrics.csv: {len(steps)} rows for {train_steps} steps, missing "
                     f"{missing[:10]}")
    import numpy as np  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    export_dir = os.path.join(workdir, "export")
    exports = sorted(int(n) for n in os.listdir(export_dir) if n.isdigit())
    for version in exports:
        try:
            loaded = tf.saved_model.load(os.path.join(export_dir, str(version)))
            images = loaded.signatures["serving_default"](z=tf.zeros([2, 8]))["images"]
            assert np.all(np.isfinite(images.numpy()))
        except Exception as e:  # pylint: disable=broad-except
            counts["half exports"] += 1
            notes.append(f"export {version} does not load: {e}")
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            if name.endswith("_temp") or name.startswith(".tmp-") or ".tmp" in name:
                counts["leftovers of killed writes"] += 1
                notes.append(f"leftover {os.path.relpath(os.path.join(root, name), workdir)}")

    kinds = {}
    for event in events:
        if event["killed"]:
            kinds.setdefault(f"{event['kind']} ({event['hit']})", 0)
            kinds[f"{event['kind']} ({event['hit']})"] += 1
    lost = [e["lost"] for e in events if "lost" in e]
    print()
    print(f"{kills} SIGKILLs in {index} runs, {time.time() - started:.0f} s; final step "
          f"{train_steps}, exports {exports}")
    for kind, count in sorted(kinds.items()):
        print(f"  killed {kind}: {count}")
    if lost:
        print(f"  steps lost per kill: max {max(lost)}, mean {sum(lost) / len(lost):.1f} "
              f"(--checkpoint_every={FLAGS.checkpoint_every})")
    print()
    print("| check | count |")
    print("| --- | --- |")
    for name, count in counts.items():
        print(f"| {name} | {count} |")
    for note in notes:
        print(f"  - {note}")
    if not FLAGS.workdir and not any(counts.values()):
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        print(f"work directory: {workdir}; logs: {log_dir}")
    return 1 if any(counts.values()) else 0


if __name__ == "__main__":
    app.run(lambda argv: sys.exit(main(argv)))
