"""Tests of sample-quality evaluation: --eval_every during training and bin/evaluate.py.

One smoke run with --eval_every (module fixture, in-process; synthetic 16x16 images scored by
the packaged MNIST classifier, a few dozen samples) is shared by the tests; bin/evaluate.py
runs as concurrent subprocesses on it.
"""

import glob
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfgan import callbacks as callbacks_lib
from tfgan import config as config_lib
from tfgan import eval_lib
from tfgan import train_lib
from conftest import read_csv, smoke_config

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 180
RESULT_KEYS = {"fid", "kid", "kid_std", "inception_score", "inception_score_std",
               "num_samples", "step", "model", "extractor"}


@pytest.fixture(scope="module")
def eval_run(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("eval") / "run")
    config = smoke_config(eval_every=5, eval_samples=24)
    result = train_lib.train_and_evaluate(config, workdir)
    return workdir, config, result


def test_eval_every_writes_rows_best_checkpoint_and_export(eval_run):
    workdir, config, result = eval_run
    rows = read_csv(os.path.join(workdir, "eval.csv"))
    assert [int(r["step"]) for r in rows] == [5, 10, 15, 20]
    for row in rows:
        for key in ("fid", "kid", "inception_score"):
            assert np.isfinite(float(row[key])), (key, row)
        assert 1.0 <= float(row["inception_score"]) <= 10.0
    fids = [float(r["fid"]) for r in rows]
    best_step = int(rows[int(np.argmin(fids))]["step"])

    with open(os.path.join(workdir, "best", "best.json")) as f:
        best = json.load(f)
    assert best["step"] == best_step
    assert best["fid"] == pytest.approx(min(fids), rel=1e-5)
    assert best["num_samples"] == 24 and best["extractor"] == "mnist"
    assert best["score_name"] == "mnist_score"
    # The best checkpoint (one kept) holds the state of that step.
    latest = tf.train.latest_checkpoint(os.path.join(workdir, "best"))
    assert latest == best["checkpoint"] and latest.endswith(f"ckpt-{best_step}")
    assert int(tf.train.load_checkpoint(latest).get_tensor(
        "batches_seen/.ATTRIBUTES/VARIABLE_VALUE")) == best_step
    assert len(glob.glob(os.path.join(workdir, "best", "*.index"))) == 1
    # Its export, and only its.
    assert os.listdir(os.path.join(workdir, "best_export")) == [str(best_step)]
    assert best["export"] == os.path.join(workdir, "best_export", str(best_step))
    assert os.path.exists(os.path.join(best["export"], "saved_model.pb"))
    # TensorBoard scalars.
    tags = set()
    for path in glob.glob(os.path.join(workdir, "tensorboard", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags.update(value.tag for value in event.summary.value)
    assert {"eval/fid", "eval/kid", "eval/mnist_score"} <= tags
    assert result["step"] == 20


def test_resume_continues_eval_csv_and_best(eval_run, tmp_path):
    workdir = str(tmp_path / "run")
    shutil.copytree(eval_run[0], workdir)
    # A killed run may have evaluated after its last checkpoint; the row must go.
    with open(os.path.join(workdir, "eval.csv"), "a") as f:
        f.write("23,1,1,1,1,1,1,1\n")
    with open(os.path.join(workdir, "best", "best.json")) as f:
        best_before = json.load(f)
    train_lib.train_and_evaluate(eval_run[1].replace(train_steps=25), workdir)
    rows = read_csv(os.path.join(workdir, "eval.csv"))
    assert [int(r["step"]) for r in rows] == [5, 10, 15, 20, 25]
    with open(os.path.join(workdir, "best", "best.json")) as f:
        best = json.load(f)
    fids = [float(r["fid"]) for r in rows]
    assert best["fid"] == pytest.approx(min(fids), rel=1e-5)
    assert best["fid"] <= best_before["fid"]
    assert os.listdir(os.path.join(workdir, "best_export")) == [str(best["step"])]


def test_eval_flags_validate_and_may_change_on_resume():
    for name in ("eval_every", "eval_samples", "eval_extractor"):
        assert name in config_lib.RESUMABLE_FIELDS
    with pytest.raises(config_lib.ConfigError, match="--eval_every must be an integer >= 0"):
        smoke_config(eval_every=-1).validate()
    with pytest.raises(config_lib.ConfigError, match="--eval_extractor must be one of"):
        smoke_config(eval_extractor="vgg").validate()
    with pytest.raises(config_lib.ConfigError,
                       match="--eval_every on RGB images .* got --eval_extractor=mnist"):
        smoke_config(channels=3, eval_every=5, eval_extractor="mnist").validate()
    smoke_config(channels=3, eval_every=5).validate()  # auto: the anime-face features
    smoke_config(channels=3, eval_every=0, eval_extractor="mnist").validate()  # off


def test_load_model_errors(tmp_path):
    with pytest.raises(eval_lib.ModelNotFoundError, match="does not exist"):
        eval_lib.load_model(str(tmp_path / "nope"))
    with pytest.raises(eval_lib.ModelNotFoundError, match="neither a work directory"):
        eval_lib.load_model(str(tmp_path))


def _run_evaluate(*args):
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return subprocess.Popen([sys.executable, "bin/evaluate.py", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_evaluate_cli_on_a_workdir_a_saved_model_and_a_bad_path(eval_run, tmp_path):
    workdir, _, _ = eval_run
    small = ["--num_samples=20", "--kid_subset_size=10", "--kid_subsets=5", "--batch_size=10"]
    processes = {
        "workdir": _run_evaluate(f"--model_dir={workdir}", "--step=10", *small),
        "saved_model": _run_evaluate(f"--model_dir={os.path.join(workdir, 'export', '20')}",
                                     f"--output={tmp_path / 'sm.json'}", *small),
        "bad": _run_evaluate(f"--model_dir={tmp_path / 'missing'}", *small),
    }
    results = {name: p.communicate(timeout=TIMEOUT) + (p.returncode,)
               for name, p in processes.items()}

    stdout, stderr, returncode = results["workdir"]
    assert returncode == 0, stderr[-3000:]
    path = os.path.join(workdir, "eval_10.json")
    with open(path) as f:
        report = json.load(f)
    assert RESULT_KEYS <= set(report)
    assert report["step"] == 10 and report["num_samples"] == 20
    assert report["model_kind"] == "checkpoint" and report["extractor"] == "mnist"
    assert report["real"] == "held-out synthetic images"  # from the run's config.json
    assert stdout.strip().startswith("step 10: FID ") and path in stdout

    stdout, stderr, returncode = results["saved_model"]
    assert returncode == 0, stderr[-3000:]
    with open(tmp_path / "sm.json") as f:
        report = json.load(f)
    assert RESULT_KEYS <= set(report)
    assert report["step"] == 20 and report["model_kind"] == "saved_model"
    assert report["model"] == os.path.join(workdir, "export", "20")
    assert np.isfinite(report["fid"]) and 1.0 <= report["inception_score"] <= 10.0

    stdout, stderr, returncode = results["bad"]
    assert returncode != 0
    last_line = stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"error: --model_dir={tmp_path / 'missing'}: "), stderr[-2000:]
    assert "Traceback" not in stderr


# --------------------------------------------------------------------------------------------
# Class accuracy of a conditional model (eval.csv, best.json, evaluate_model, bin/evaluate.py)


def test_unconditional_runs_have_no_class_accuracy(eval_run):
    workdir, _, _ = eval_run
    rows = read_csv(os.path.join(workdir, "eval.csv"))
    assert "class_accuracy" in rows[0] and all(r["class_accuracy"] == "" for r in rows)
    result = eval_lib.evaluate_model(workdir, num_samples=20, kid_subsets=2,
                                     kid_subset_size=10, write=False)
    assert "class_accuracy" not in result
    assert "class accuracy" not in eval_lib.format_result(result)


def test_conditional_run_reports_class_accuracy_everywhere(tmp_path):
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    workdir = str(tmp_path / "cgan")
    config = smoke_config(conditional=True, num_classes=10, train_steps=10, eval_every=5,
                          eval_samples=20)
    train_lib.train_and_evaluate(config, workdir)
    rows = read_csv(os.path.join(workdir, "eval.csv"))
    assert [int(r["step"]) for r in rows] == [5, 10]
    for row in rows:
        assert 0.0 <= float(row["class_accuracy"]) <= 1.0
    with open(os.path.join(workdir, "best", "best.json")) as f:
        best = json.load(f)
    assert best["class_accuracy"] == pytest.approx(
        float(rows[[int(r["step"]) for r in rows].index(best["step"])]["class_accuracy"]),
        abs=1e-5)

    # evaluate_model: the fraction of its balanced-label samples the classifier reads as the
    # requested digit, recomputed here from the same samples.
    num = 30
    result = eval_lib.evaluate_model(workdir, num_samples=num, kid_subsets=2,
                                     kid_subset_size=10, batch_size=16, write=False)
    sampler = eval_lib.load_model(workdir).sampler
    sample_fn = callbacks_lib.generator_sample_fn(
        lambda z, labels: sampler.generate(z, labels, batch_size=16), sampler.latent_dim, 10,
        seed=0)
    images = np.concatenate([sample_fn(16), sample_fn(14)])
    _, logits = evaluation.mnist_extractor()(images)
    expected = np.mean(np.argmax(logits, axis=1) == callbacks_lib.balanced_labels(num, 10))
    assert result["class_accuracy"] == pytest.approx(expected)
    assert f"class accuracy {expected:.1%}" in eval_lib.format_result(result)

    process = _run_evaluate(f"--model_dir={workdir}", "--num_samples=20",
                            "--kid_subset_size=10", "--kid_subsets=2", "--batch_size=10")
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, stderr[-3000:]
    with open(os.path.join(workdir, "eval_10.json")) as f:
        report = json.load(f)
    assert 0.0 <= report["class_accuracy"] <= 1.0
    assert "class accuracy" in stdout
