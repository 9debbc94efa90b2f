"""End-to-end tests of bin/train.py, bin/generate.py and bin/export.py as subprocesses.

TensorFlow takes seconds to import, so the subprocesses are few: one training run stopped with
SIGINT, its resumption to the end, then independent commands run concurrently.
"""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import tensorflow as tf

from tfgan import export as export_lib
from tfgan import train_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = "--flagfile=configs/smoke.cfg"
TIMEOUT = 180

# Loads a SavedModel with TensorFlow alone and reports what serving_default returns.
FRESH_PROCESS_SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    model = tf.saved_model.load(sys.argv[1])
    serving = model.signatures["serving_default"]
    inputs = serving.structured_input_signature[1]
    latent_dim = inputs["z"].shape[-1]
    outputs = serving(z=tf.constant(np.random.randn(3, latent_dim), tf.float32))
    print(json.dumps({
        "tfgan_imported": any(name.split(".")[0] == "tfgan" for name in sys.modules),
        "inputs": {k: [v.dtype.name, v.shape.as_list()] for k, v in inputs.items()},
        "outputs": {k: [v.dtype.name, list(v.shape)] for k, v in outputs.items()},
        "range": [float(tf.reduce_min(outputs["images"])),
                  float(tf.reduce_max(outputs["images"]))],
    }))
""")


def _env():
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return env


def start(*args, script="bin/train.py"):
    return subprocess.Popen([sys.executable, script, *args], cwd=REPO, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process, timeout=TIMEOUT):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def run(*args, script="bin/train.py"):
    return finish(start(*args, script=script))


@pytest.fixture(scope="module")
def interrupted_run(tmp_path_factory):
    """Trains the smoke config through the CLI, stops it with SIGINT, then resumes it."""
    workdir = str(tmp_path_factory.mktemp("cli") / "run")
    common = [SMOKE, f"--workdir={workdir}", "--checkpoint_every=10", "--log_every=10",
              "--sample_every=10"]
    process = start(*common, "--train_steps=1000000")
    state = os.path.join(workdir, "checkpoints", "checkpoint")
    deadline = time.time() + TIMEOUT
    while not os.path.exists(state):
        assert process.poll() is None, finish(process)
        assert time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    interrupted = finish(process)
    match = re.search(r"Stopped at step (\d+)", interrupted[1])
    step = int(match.group(1)) if match else None
    # Inspected now: the resumed run below rotates old checkpoints away (--keep_checkpoints).
    latest = tf.train.latest_checkpoint(os.path.join(workdir, "checkpoints"))
    after_interrupt = {
        "latest": latest,
        "saved_step": (int(tf.train.load_checkpoint(latest).get_tensor(
            "batches_seen/.ATTRIBUTES/VARIABLE_VALUE")) if latest else None),
        "exported": os.path.exists(os.path.join(workdir, "export")),
    }
    resumed = run(*common, f"--train_steps={(step or 0) + 10}") if step else None
    return workdir, step, interrupted, resumed, after_interrupt


def test_sigint_saves_a_loadable_checkpoint(interrupted_run):
    workdir, step, (returncode, stdout, stderr), _, after_interrupt = interrupted_run
    assert returncode == 128 + signal.SIGINT, stderr[-2000:]
    assert step is not None and step >= 10, stdout
    assert "Traceback" not in stderr
    assert after_interrupt["latest"] == os.path.join(workdir, "checkpoints", f"ckpt-{step}")
    assert after_interrupt["saved_step"] == step
    assert not after_interrupt["exported"]  # no export when interrupted


def test_resume_through_the_cli_leaves_every_artifact(interrupted_run):
    workdir, step, _, (returncode, stdout, stderr), _ = interrupted_run
    assert returncode == 0, stderr[-3000:]
    assert f"Resuming {workdir} from step {step}" in stdout
    final = step + 10
    assert re.search(rf"step {final}/{final} \[=+\] 100% - [\d.]+ steps/s - d_loss", stdout)
    for name in ("config.json", "metrics.csv", "loss_curve.png", "tensorboard"):
        assert os.path.exists(os.path.join(workdir, name)), name
    assert os.path.exists(os.path.join(workdir, "samples", f"step_{final:07d}.png"))
    assert os.path.exists(os.path.join(workdir, "checkpoints", f"ckpt-{final}.index"))
    assert os.path.exists(os.path.join(workdir, "export", str(final), "saved_model.pb"))
    with open(os.path.join(workdir, "metrics.csv")) as f:
        steps = [int(line.split(",")[0]) for line in f.read().splitlines()[1:]]
    assert steps == sorted(set(steps)) and steps[-1] == final


def test_tools_and_bad_flags(interrupted_run, tmp_path):
    """The SavedModel in a fresh process, generate.py, export.py and flag errors, at once."""
    workdir, step, _, _, _ = interrupted_run
    final = step + 10
    script = tmp_path / "load.py"
    script.write_text(FRESH_PROCESS_SCRIPT)
    processes = {
        "fresh": start(os.path.join(workdir, "export", str(final)), script=str(script)),
        "generate": start(f"--workdir={workdir}", "--top_k=4", "--candidates=16",
                          f"--output={tmp_path / 'best.png'}", script="bin/generate.py"),
        "export": start(f"--workdir={workdir}", f"--step={final}",
                        f"--export_dir={tmp_path / 'serving'}", script="bin/export.py"),
        "bad_arch": start(SMOKE, f"--workdir={tmp_path / 'a'}", "--arch=resnet"),
        "no_data_dir": start(SMOKE, f"--workdir={tmp_path / 'b'}", "--dataset=folder"),
    }
    results = {name: finish(process) for name, process in processes.items()}

    returncode, stdout, stderr = results["fresh"]
    assert returncode == 0, stderr[-3000:]
    report = json.loads(stdout.strip().splitlines()[-1])
    assert report["tfgan_imported"] is False
    assert report["inputs"] == {"z": ["float32", [None, 8]]}
    assert report["outputs"]["images"] == ["float32", [3, 16, 16, 1]]
    assert report["outputs"]["images_uint8"] == ["uint8", [3, 16, 16, 1]]
    assert -1.0 <= report["range"][0] <= report["range"][1] <= 1.0

    returncode, stdout, stderr = results["generate"]
    assert returncode == 0, stderr[-3000:]
    assert "top 4 of 16" in stdout
    grid = tf.io.decode_png(tf.io.read_file(str(tmp_path / "best.png"))).numpy()
    assert grid.shape == (2 * 18 + 2, 2 * 18 + 2, 1)

    returncode, stdout, stderr = results["export"]
    assert returncode == 0, stderr[-3000:]
    assert os.path.exists(tmp_path / "serving" / str(final) / "saved_model.pb")
    # bin/export.py writes the same SavedModel as tfgan.export_generator on that checkpoint.
    gan, _, _ = train_lib.restore_gan(workdir, step=final)
    api = tf.saved_model.load(export_lib.export_generator(gan, str(tmp_path / "api")))
    cli = tf.saved_model.load(str(tmp_path / "serving" / str(final)))
    assert sorted(api.signatures) == sorted(cli.signatures) == ["score", "serving_default"]
    z = tf.random.normal([3, 8], seed=1)
    api_out, cli_out = api.signatures["serving_default"](z=z), cli.signatures["serving_default"](z=z)
    assert sorted(api_out) == sorted(cli_out) == ["images", "images_uint8"]
    for name in api_out:
        np.testing.assert_array_equal(api_out[name].numpy(), cli_out[name].numpy())

    for name, flag, directory in (
            ("bad_arch", "--arch must be one of", "a"),
            ("no_data_dir", "--data_dir is required for --dataset=folder", "b")):
        returncode, stdout, stderr = results[name]
        assert returncode != 0
        last_line = stderr.strip().splitlines()[-1]
        assert last_line.startswith(f"error: {flag}"), stderr[-2000:]
        assert "Traceback" not in stderr
        assert not os.path.exists(tmp_path / directory)  # failed before touching it
