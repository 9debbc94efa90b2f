"""End-to-end tests of bin/train.py, bin/generate.py and bin/export.py as subprocesses.

TensorFlow takes seconds to import, so the subprocesses are few: one training run stopped with
SIGINT, its resumption to the end, then independent commands run concurrently.
"""

import configparser
import importlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import tensorflow as tf

from absl import flags as absl_flags

import tfgan_cli
from tfgan import export as export_lib
from tfgan import flags as tfgan_flags
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


# Lines TensorFlow's C++ runtime logs (e.g. "I0000 00:00:... port.cc:153] oneDNN ...",
# "E0000 ... remapper failed", "WARNING: All log messages before absl::InitializeLog() ...").
TF_LOG_LINE = re.compile(r"^(?:[IWEF]\d{4} \d\d:\d\d:\d\d|WARNING: All log messages)", re.M)


def _env():
    """The environment of a user who set nothing: the commands silence TensorFlow's log."""
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


def start(*args, script="bin/train.py", cwd=REPO, env=None):
    """Starts ``python <script> <args>`` (``script`` relative to the repository) in ``cwd``."""
    return subprocess.Popen([sys.executable, os.path.join(REPO, script), *args], cwd=cwd,
                            env=env or _env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(process, timeout=TIMEOUT):
    stdout, stderr = process.communicate(timeout=timeout)
    return process.returncode, stdout, stderr


def run(*args, script="bin/train.py", cwd=REPO):
    return finish(start(*args, script=script, cwd=cwd))


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
    # A DCGAN run: without the silencing, ~9 start-up lines and "E0000 ... remapper failed".
    assert not TF_LOG_LINE.search(stderr), stderr[-3000:]
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


# --------------------------------------------------------------------------------------------
# bin/export.py after training, and errors that name the problem


def _snapshot(path):
    """``{relative path: bytes}`` of every file (None: directory) under ``path``, or None."""
    if not os.path.exists(path):
        return None
    entries = {}
    for root, directories, names in os.walk(path):
        for name in directories:
            entries[os.path.relpath(os.path.join(root, name), path)] = None
        for name in names:
            full = os.path.join(root, name)
            with open(full, "rb") as f:
                entries[os.path.relpath(full, path)] = f.read()
    return entries


def _one_error_line(stderr):
    """The command's only stderr line, which must be ``error: ...``."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr[-3000:]
    return lines[0]


def test_export_after_training_and_export_dir_errors(interrupted_run, tmp_path):
    workdir, step, _, _, _ = interrupted_run
    final = step + 10
    earlier = train_lib.checkpoint_steps(workdir)[0]
    assert earlier < final
    exports = os.path.join(workdir, "export")
    before = _snapshot(exports)
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    # The final step's model filed under the earlier step's version: not that checkpoint.
    mismatch = tmp_path / "mismatch"
    shutil.copytree(os.path.join(exports, str(final)), mismatch / str(earlier))
    mismatch_before = _snapshot(mismatch)
    processes = {
        "again": start(f"--workdir={workdir}", script="bin/export.py"),
        "file": start(f"--workdir={workdir}", f"--export_dir={a_file}", "--overwrite",
                      script="bin/export.py"),
        "mismatch": start(f"--workdir={workdir}", f"--step={earlier}",
                          f"--export_dir={mismatch}", script="bin/export.py"),
    }
    results = {name: finish(process) for name, process in processes.items()}

    # Right after training: the same model is already there; nothing to do, success.
    returncode, stdout, stderr = results["again"]
    assert returncode == 0, stderr[-3000:]
    assert (f"Step {final} of {workdir} is already exported to "
            f"{os.path.join(exports, str(final))} (the same model)") in stdout
    assert stderr == "" and _snapshot(exports) == before

    returncode, _, stderr = results["file"]
    assert returncode == 1
    line = _one_error_line(stderr)
    assert line.startswith(f"error: --export_dir={a_file}: {a_file} is a file, not a directory")
    assert "pass --overwrite" not in line and a_file.read_text() == ""

    returncode, _, stderr = results["mismatch"]
    assert returncode == 1
    line = _one_error_line(stderr)
    assert (f"{mismatch / str(earlier)} exists and holds a different model than step "
            f"{earlier} of {workdir}; pass --overwrite") in line
    assert _snapshot(mismatch) == mismatch_before


# The training command with the network unplugged (tfds cannot reach its server).
OFFLINE_TRAIN = textwrap.dedent("""
    import socket, sys

    def unreachable(*args, **kwargs):
        raise OSError("network is unreachable (test)")

    socket.create_connection = unreachable
    sys.argv[0] = "tfgan-train"
    from tfgan_cli.train import run
    run()
""")


def test_bad_inputs_fail_in_one_line_before_writing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.txt").write_text("no images here")
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "only.png").write_bytes(b"not a PNG")
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    used = tmp_path / "used"  # An existing work directory: left exactly as it was.
    used.mkdir()
    (used / "notes.txt").write_text("mine")
    offline_env = {k: v for k, v in _env().items() if "proxy" not in k.lower()}
    offline_env["TFDS_DATA_DIR"] = str(tmp_path / "tfds")  # Nothing prepared there.
    cases = {
        "empty_folder": (["--dataset=folder", f"--data_dir={empty}"], tmp_path / "w1",
                         f"error: --data_dir={empty}: No image files (.jpg, .jpeg, .png, "
                         ".bmp, .gif) found under"),
        "corrupt_folder": (["--dataset=folder", f"--data_dir={corrupt}"], used,
                           f"error: --data_dir={corrupt}: None of the 1 image files under"),
        "mnist_offline": (["--dataset=mnist"], tmp_path / "w3",
                          "error: MNIST is not available: no data_dir was given and "
                          "tensorflow_datasets could not download it"),
        "export_dir_file": ([f"--export_dir={a_file}"], tmp_path / "w4",
                            f"error: --export_dir={a_file}: {a_file} is a file"),
    }
    before = {name: _snapshot(workdir) for name, (_, workdir, _) in cases.items()}
    processes = {}
    for name, (args, workdir, _) in cases.items():
        argv = [SMOKE, f"--workdir={workdir}", *args]
        if name == "mnist_offline":
            processes[name] = subprocess.Popen(
                [sys.executable, "-c", OFFLINE_TRAIN, *argv], cwd=REPO, env=offline_env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        else:
            processes[name] = start(*argv)
    for name, process in processes.items():
        returncode, stdout, stderr = finish(process)
        assert returncode == 1, (name, stderr[-3000:])
        assert _one_error_line(stderr).startswith(cases[name][2]), (name, stderr)
        assert "Training" not in stdout, name
        assert _snapshot(cases[name][1]) == before[name], name  # Not created / unchanged.
        if name == "mnist_offline":
            assert "pass --data_dir" in stderr  # The fix.


def test_data_dir_is_stored_absolute_and_any_spelling_resumes(tmp_path, monkeypatch, capsys):
    """--config=NAME and relative paths from a directory that is not the clone, then the same
    run resumed and evaluated from another directory.

    Only the first run is a subprocess (the command as a user types it); the resumption and
    the evaluation go through the same flags -> Config -> train_lib / eval_lib path in this
    process (the evaluate command itself: tests/test_eval_cli.py), which saves two TensorFlow
    start-ups.
    """
    from PIL import Image  # pylint: disable=import-outside-toplevel
    from tfgan import eval_lib  # pylint: disable=import-outside-toplevel
    from tfgan_cli import train as train_cli  # pylint: disable=import-outside-toplevel

    images = tmp_path / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for i in range(8):
        Image.fromarray(rng.integers(0, 256, (20, 20), dtype=np.uint8)).save(images / f"{i}.png")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    common = ["--config=smoke", "--dataset=folder", "--checkpoint_every=2", "--sample_every=2",
              "--log_every=2"]

    # Relative paths, typed in tmp_path, with a shipped config found by name...
    returncode, _, stderr = run(*common, "--data_dir=images", "--workdir=run",
                                "--train_steps=2", cwd=str(tmp_path))
    assert returncode == 0, stderr[-3000:]
    workdir = tmp_path / "run"
    with open(workdir / "config.json") as f:
        assert json.load(f)["data_dir"] == str(images)

    # ...the same folder spelled absolute (with a trailing slash) from elsewhere resumes...
    monkeypatch.chdir(elsewhere)
    values = absl_flags.FlagValues()
    train_cli.define_flags(values)
    values(tfgan_cli.expand_config_flag(
        ["tfgan-train", *common, f"--data_dir={images}/", f"--workdir={workdir}",
         "--train_steps=4"]))
    capsys.readouterr()
    result = train_lib.train_and_evaluate(tfgan_flags.config_from_flags(values), values.workdir)
    assert result["step"] == 4
    assert f"Resuming {workdir} from step 2" in capsys.readouterr().out

    # ...and evaluation from elsewhere finds the run's data through config.json.
    metrics = eval_lib.evaluate_model(str(workdir), num_samples=8, kid_subsets=2,
                                      kid_subset_size=4, batch_size=8)
    assert f"training images of {images}" in metrics["real"]
    assert metrics["step"] == 4 and os.path.exists(workdir / "eval_4.json")


def test_config_names_a_shipped_config_or_a_file(tmp_path, monkeypatch):
    shipped = os.path.join(REPO, "tfgan", "configs", "wgangp.cfg")
    assert os.path.realpath(tfgan_cli.config_path("wgangp")) == shipped
    assert os.path.realpath(tfgan_cli.config_path("wgangp.cfg")) == shipped
    assert set(tfgan_cli.available_configs()) >= {"gan", "dcgan", "cgan", "lsgan", "wgan",
                                                  "wgangp", "anime_dcgan", "smoke"}
    mine = tmp_path / "mine.cfg"
    mine.write_text("--train_steps=3\n")
    monkeypatch.chdir(tmp_path)
    # In place of --config, so later flags still override it; both spellings; after "--" no.
    argv = ["tfgan-train", "--workdir=w", "--config=wgangp", "--g_lr=1", "--config", "mine.cfg",
            "--", "--config=gan"]
    assert tfgan_cli.expand_config_flag(argv) == [
        "tfgan-train", "--workdir=w", f"--flagfile={tfgan_cli.config_path('wgangp')}", "--g_lr=1",
        f"--flagfile={mine}", "--", "--config=gan"]


def test_unknown_config_is_one_error_line_listing_the_configs(tmp_path):
    returncode, stdout, stderr = run("--config=wgan_gp", "--workdir=run", cwd=str(tmp_path))
    assert returncode == 1 and stdout == ""
    assert stderr.startswith("error: --config=wgan_gp: no such config") and "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1
    for name in ("dcgan", "wgangp", "anime_dcgan"):
        assert name in stderr
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------------------------
# Packaging: console scripts, --help, LICENSE, cited docs

COMMANDS = ("train", "generate", "evaluate", "export")

# Runs a command's --help in a fresh process; reports whether TensorFlow was imported.
HELP_SCRIPT = textwrap.dedent("""
    import importlib, json, sys
    command = sys.argv[1]
    sys.argv = ["tfgan-" + command, "--help"]
    module = importlib.import_module("tfgan_cli." + command)
    try:
        module.run()
        code = None
    except SystemExit as e:
        code = e.code
    print(json.dumps({"code": code, "tensorflow": "tensorflow" in sys.modules}))
""")


def test_console_scripts_are_the_bin_commands():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(REPO, "setup.cfg"))
    lines = parser["options.entry_points"]["console_scripts"].strip().splitlines()
    scripts = dict(line.replace(" ", "").split("=") for line in lines)
    assert sorted(scripts) == sorted(f"tfgan-{command}" for command in COMMANDS)
    for command in COMMANDS:
        module_name, function = scripts[f"tfgan-{command}"].split(":")
        assert (module_name, function) == (f"tfgan_cli.{command}", "run")
        assert callable(getattr(importlib.import_module(module_name), function))
        with open(os.path.join(REPO, "bin", f"{command}.py")) as f:
            assert f"from tfgan_cli.{command} import run" in f.read()


def test_help_is_quiet_and_loads_no_tensorflow(tmp_path):
    flags_of = {"train": "--arch", "generate": "--saved_model", "evaluate": "--model_dir",
                "export": "--export_dir"}
    processes = {command: subprocess.Popen(
        [sys.executable, "-c", HELP_SCRIPT, command], cwd=str(tmp_path), env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for command in COMMANDS}
    for command, process in processes.items():
        returncode, stdout, stderr = finish(process)
        assert returncode == 0, stderr[-3000:]
        report = json.loads(stdout.strip().splitlines()[-1])
        assert report["code"] is not None  # absl prints the help and exits (status 1).
        # No command loads TensorFlow for --help (tfgan.names holds the choices).
        assert report["tensorflow"] is False, command
        assert f"tfgan-{command} --" in stdout and flags_of[command] in stdout, command
        assert "docs/" in stdout and stderr == "", (command, stderr[-3000:])


def test_license_and_the_docs_the_code_cites_exist():
    with open(os.path.join(REPO, "LICENSE")) as f:
        text = f.read()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    cited = set()
    for root in ("tfgan", "tfgan_cli", "bin", "examples", "README.md", "docs"):
        path = os.path.join(REPO, root)
        files = ([path] if os.path.isfile(path) else
                 [os.path.join(d, n) for d, _, names in os.walk(path) for n in names
                  if n.endswith((".py", ".md"))])
        for name in files:
            with open(name) as f:
                cited |= set(re.findall(r"docs/[\w./-]+?\.md", f.read()))
    assert {"docs/cli.md", "docs/evaluation.md", "docs/serving.md", "docs/results.md"} <= cited
    for doc in cited:
        assert os.path.isfile(os.path.join(REPO, doc)), doc


def _documented_commands():
    """``(file, argv)`` of every ``tfgan-*`` command in the README's and docs' shell blocks."""
    commands = []
    docs = sorted(os.path.join("docs", n) for n in os.listdir(os.path.join(REPO, "docs"))
                  if n.endswith(".md"))
    assert {"docs/cli.md", "docs/serving.md", "docs/evaluation.md", "docs/results.md"} <= set(docs)
    for name in ["README.md", *docs]:
        with open(os.path.join(REPO, name)) as f:
            blocks = re.findall(r"```sh\n(.*?)\n```", f.read(), flags=re.S)
        for block in blocks:
            for line in block.replace("\\\n", " ").splitlines():
                argv = shlex.split(line, comments=True)
                if argv and argv[0].startswith("tfgan-"):
                    commands.append((name, argv))
    return commands


def test_documented_commands_use_real_flags_and_kept_steps():
    """Every documented command parses (flag names, types, flagfiles) and names kept steps."""
    commands = _documented_commands()
    assert {argv[0] for _, argv in commands} == {f"tfgan-{c}" for c in COMMANDS}
    for name, argv in commands:
        command = argv[0][len("tfgan-"):]
        flag_values = absl_flags.FlagValues()
        importlib.import_module(f"tfgan_cli.{command}").define_flags(flag_values)
        cwd = os.getcwd()
        os.chdir(REPO)  # Flagfiles are named relative to the clone.
        try:
            if command == "train":  # --config=NAME, as tfgan-train expands it.
                argv = tfgan_cli.expand_config_flag(argv)
            flag_values(argv)
        except absl_flags.Error as e:
            raise AssertionError(f"{name}: {' '.join(argv)}: {e}") from e
        finally:
            os.chdir(cwd)
        if command == "train":
            tfgan_flags.config_from_flags(flag_values, check_paths=False)
        if command == "export" and flag_values.step is not None:
            # The run the command names, trained with its shipped config, keeps that step.
            config_name = os.path.basename(flag_values.workdir)
            values = absl_flags.FlagValues()
            tfgan_flags.define_flags(values)
            values(["tfgan-train", f"--flagfile={REPO}/configs/{config_name}.cfg"])
            config = tfgan_flags.config_from_flags(values, check_paths=False)
            saved = range(config.checkpoint_every, config.train_steps + 1,
                          config.checkpoint_every)
            kept = sorted(set(saved) | {config.train_steps})[-config.keep_checkpoints:]
            assert flag_values.step in kept, (name, argv, kept)
