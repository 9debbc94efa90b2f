"""Two worker processes on localhost train the smoke config under MultiWorkerMirroredStrategy.

Each worker gets its own work directory, as on machines without a shared disk, so the test can
tell who wrote what: the chief (worker 0) leaves every artifact, the other worker nothing. Both
dump their final weights outside the work directories; they must be identical, since the
all-reduced gradients are applied on every worker.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

WORKER = r"""
import json, os, sys
import numpy as np
import keras
from absl import flags as absl_flags
from tfgan import flags as tfgan_flags, train_lib

class DumpWeights(keras.callbacks.Callback):
    def on_train_end(self, logs=None):
        weights = self.model.generator.weights + self.model.discriminator.weights
        np.savez(sys.argv[3], *[np.asarray(w.numpy()) for w in weights])

values = absl_flags.FlagValues()
tfgan_flags.define_flags(values)
values(["train", f"--flagfile={sys.argv[1]}", "--strategy=multi_worker", "--train_steps=6",
        "--checkpoint_every=3", "--sample_every=3", "--log_every=3", "--batch_size=8"]
       + sys.argv[4:])
config = tfgan_flags.config_from_flags(values)
result = train_lib.train_and_evaluate(config, sys.argv[2], callbacks=[DumpWeights()])
print("RESULT", json.dumps({"step": result["step"], "export": result["export_path"]}))
"""


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_two_workers(tmp_path, *flags):
    """Trains the smoke config on two localhost workers; returns their RESULT dicts."""
    cluster = {"worker": [f"localhost:{port}" for port in free_ports(2)]}
    processes = []
    for index in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", TF_CONFIG=json.dumps(
            {"cluster": cluster, "task": {"type": "worker", "index": index}}))
        processes.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, str(ROOT / "configs" / "smoke.cfg"),
             str(tmp_path / f"workdir-{index}"), str(tmp_path / f"weights-{index}.npz"),
             *flags],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path))
    outputs = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=300)
            assert process.returncode == 0, stderr[-6000:]
            outputs.append(json.loads(stdout.split("RESULT", 1)[1]))
    finally:
        for process in processes:
            process.kill()
    return outputs


@pytest.fixture(scope="module")
def two_worker_run(tmp_path_factory):
    """One two-worker run with --eval_every, shared by the tests below (each run starts two
    TensorFlow processes and their collectives: ~15 s even for six steps)."""
    tmp_path = tmp_path_factory.mktemp("multi_worker")
    outputs = run_two_workers(tmp_path, "--eval_every=3", "--eval_samples=16")
    return tmp_path, outputs


@pytest.mark.slow
def test_two_workers_train_identically_and_only_the_chief_writes(two_worker_run):
    tmp_path, outputs = two_worker_run

    assert [o["step"] for o in outputs] == [6, 6]
    chief_dir, worker_dir = tmp_path / "workdir-0", tmp_path / "workdir-1"
    for artifact in ("config.json", "metrics.csv", "loss_curve.png", "checkpoints", "samples",
                     "export/6/saved_model.pb"):
        assert (chief_dir / artifact).exists(), artifact
    assert outputs[0]["export"] and outputs[1]["export"] is None
    leftovers = [str(p.relative_to(worker_dir)) for p in worker_dir.rglob("*")]
    assert leftovers == [], f"the non-chief worker wrote {leftovers}"

    chief = np.load(tmp_path / "weights-0.npz")
    worker = np.load(tmp_path / "weights-1.npz")
    assert len(chief.files) == len(worker.files) > 0
    for name in chief.files:
        np.testing.assert_array_equal(chief[name], worker[name])


@pytest.mark.slow
def test_two_workers_evaluate_and_keep_the_best_checkpoint_with_eval_every(two_worker_run):
    """--eval_every under MultiWorkerMirroredStrategy: the chief measures; both workers take
    part in each best-checkpoint save; the chief's copy is kept, the other worker's deleted."""
    tmp_path, outputs = two_worker_run
    assert [o["step"] for o in outputs] == [6, 6]
    chief_dir, worker_dir = tmp_path / "workdir-0", tmp_path / "workdir-1"
    with open(chief_dir / "eval.csv") as f:
        assert [int(line.split(",")[0]) for line in f.read().splitlines()[1:]] == [3, 6]
    best = json.loads((chief_dir / "best" / "best.json").read_text())
    assert best["step"] in (3, 6)
    assert (chief_dir / "best" / f"ckpt-{best['step']}.index").exists()
    assert (chief_dir / "best_export" / str(best["step"]) / "saved_model.pb").exists()
    assert (chief_dir / "export" / "6" / "saved_model.pb").exists()
    leftovers = [str(p.relative_to(worker_dir)) for p in worker_dir.rglob("*")]
    assert leftovers == [], f"the non-chief worker wrote {leftovers}"
