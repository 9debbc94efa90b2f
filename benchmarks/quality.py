"""Sample quality of the six MNIST systems at a fixed wall-clock training budget.

    python benchmarks/quality.py --data_dir=../shared/data/mnist/mnist.npz --minutes=5 \
        --grids_dir=docs/quality

Trains each of configs/{gan,dcgan,cgan,lsgan,wgan,wgangp}.cfg from scratch, one after the
other, for ``--minutes`` of wall-clock time (``fit`` time: tracing, sample grids and
checkpoints included; the config's ``--train_steps`` is lifted so that time is the limit), then
measures the final generator with ``tfgan.eval_lib.evaluate_model``: ``--num_samples`` images
(balanced labels for the cGAN) against the 10,000 MNIST test digits, with the MNIST
classifier shipped in tfgan (FID and KID on its 128 features, the "MNIST score" from its
logits; 9.78 for the test digits themselves). Prints a markdown table (system, steps,
minutes, MNIST score, FID, KID, class accuracy of the cGAN, sample grid), also written to ``<workdir>/quality.md`` with
the raw numbers in ``<workdir>/quality.json``; with ``--grids_dir`` the final sample grid of
each run is copied to ``<grids_dir>/<system>.png``.

Runs share the machine with whatever else is running: compare numbers within one table.
"""

import json
import os
import shutil
import sys
import time

from absl import app
from absl import flags as absl_flags

import keras

from tfgan import config as config_lib
from tfgan import eval_lib
from tfgan import evaluation
from tfgan import quality
from tfgan import train_lib
from tfgan import workdir as workdir_lib

import common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEMS = ("gan", "dcgan", "cgan", "lsgan", "wgan", "wgangp")
# Large enough that the time budget, not the step count, ends every run.
UNLIMITED_STEPS = 10_000_000

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_string("data_dir", os.path.join(ROOT, "..", "shared", "data", "mnist",
                                                  "mnist.npz"), "MNIST .npz (or a directory "
                         "holding it).")
absl_flags.DEFINE_list("systems", list(SYSTEMS), "Configs (configs/<name>.cfg) to train.")
absl_flags.DEFINE_float("minutes", 5.0, "Wall-clock training budget per system, in minutes.")
absl_flags.DEFINE_integer("num_samples", 10_000, "Generated images scored per system.")
absl_flags.DEFINE_string("workdir", "/tmp/tfgan_quality", "Base work directory: one "
                         "<workdir>/<system> run each (started afresh).")
absl_flags.DEFINE_string("grids_dir", "", "If set, copy each final sample grid to "
                         "<grids_dir>/<system>.png.")
absl_flags.DEFINE_integer("seed", 0, "Training seed (--seed of every config) and evaluation "
                          "seed.")


class TimeBudget(keras.callbacks.Callback):
    """Stops ``fit`` after the first batch that ends ``seconds`` after ``fit`` began."""

    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = float(seconds)
        self.started = None
        self.elapsed = None

    def on_train_begin(self, logs=None):
        self.started = time.time()

    def on_train_batch_end(self, batch, logs=None):
        self.elapsed = time.time() - self.started
        if self.elapsed >= self.seconds:
            self.model.stop_training = True


def load_config(system: str) -> config_lib.Config:
    """``configs/<system>.cfg`` with this benchmark's data, seed and unlimited steps."""
    config = common.config_from_file(system, f"--data_dir={FLAGS.data_dir}",
                                     f"--seed={FLAGS.seed}")
    return config.replace(train_steps=UNLIMITED_STEPS, eval_every=0)


def train_one(system: str, real) -> dict:
    """Trains ``system`` for the budget and evaluates its final generator."""
    config = load_config(system)
    workdir = os.path.join(FLAGS.workdir, system)
    budget = TimeBudget(FLAGS.minutes * 60.0)
    print(f"\n=== {system}: {FLAGS.minutes:g} minutes ({config.mixed_precision}) ===",
          flush=True)
    result = train_lib.train_and_evaluate(config, workdir, overwrite=True, callbacks=[budget])
    step = result["step"]
    metrics = eval_lib.evaluate_model(workdir, num_samples=FLAGS.num_samples, real=real,
                                      seed=FLAGS.seed)
    print(eval_lib.format_result(metrics), flush=True)
    grid = os.path.join(workdir, workdir_lib.SAMPLES_DIR, f"step_{step:07d}.png")
    shown = grid
    if FLAGS.grids_dir:
        os.makedirs(FLAGS.grids_dir, exist_ok=True)
        shown = os.path.join(FLAGS.grids_dir, f"{system}.png")
        shutil.copyfile(grid, shown)
    return {
        "system": system,
        "config": f"configs/{system}.cfg",
        "mixed_precision": config.mixed_precision,
        "steps": step,
        "minutes": budget.elapsed / 60.0,
        "steps_per_sec": step / budget.elapsed,
        "grid": os.path.relpath(shown, ROOT) if FLAGS.grids_dir else shown,
        **{k: metrics[k] for k in ("fid", "kid", "kid_std", "inception_score",
                                   "inception_score_std", "num_samples",
                                   "num_real_samples")},
        "class_accuracy": metrics.get("class_accuracy"),  # conditional systems only
    }


def table(rows) -> str:
    """The markdown table of the results."""
    lines = ["| system | steps | minutes | MNIST score | FID | KID | class accuracy | samples |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        precision = "" if r["mixed_precision"] == "float32" else f" ({r['mixed_precision']})"
        accuracy = r.get("class_accuracy")
        accuracy = "" if accuracy is None else f"{accuracy:.1%}"
        lines.append(
            f"| {r['system']}{precision} | {r['steps']:,} | {r['minutes']:.1f} | "
            f"{r['inception_score']:.2f} ± {r['inception_score_std']:.2f} | {r['fid']:.2f} | "
            f"{r['kid']:.3f} ± {r['kid_std']:.3f} | {accuracy} | "
            f"![{r['system']}]({r['grid']}) |")
    return "\n".join(lines)


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    unknown = [s for s in FLAGS.systems
               if not os.path.exists(os.path.join(ROOT, "configs", s + ".cfg"))]
    if unknown:
        raise SystemExit(f"error: --systems: no configs/<name>.cfg for {', '.join(unknown)}")
    if FLAGS.minutes <= 0:
        raise SystemExit(f"error: --minutes must be positive, got {FLAGS.minutes}")
    started = time.time()
    extractor = evaluation.mnist_extractor()
    real = quality.real_stats(extractor, "mnist", data_dir=FLAGS.data_dir, image_size=28)
    rows = [train_one(system, real) for system in FLAGS.systems]
    os.makedirs(FLAGS.workdir, exist_ok=True)
    with open(os.path.join(FLAGS.workdir, "quality.json"), "w") as f:
        json.dump(rows, f, indent=2)
    markdown = table(rows)
    with open(os.path.join(FLAGS.workdir, "quality.md"), "w") as f:
        f.write(markdown + "\n")
    print(f"\nMNIST, {FLAGS.minutes:g} minutes of training per system, "
          f"{FLAGS.num_samples:,} samples vs the 10,000 test digits "
          f"(total {(time.time() - started) / 60:.0f} min):\n")
    print(markdown)
    sys.stdout.flush()


if __name__ == "__main__":
    app.run(main)
