"""Sample quality of the shipped configs, each trained exactly as the README shows.

    python benchmarks/quality.py --data_dir=../shared/data/mnist/mnist.npz \
        --anime_dir=/data/anime/faces --grids_dir=docs/quality

For each of ``--systems`` (default: the six MNIST configs and ``anime_fast``) this runs, one
after the other and from scratch, the commands a user types:

    python bin/train.py --flagfile=configs/<system>.cfg --workdir=<workdir>/<system> \
        --data_dir=<data>
    python bin/evaluate.py --model_dir=<workdir>/<system>/export --num_samples=10000

with nothing added: the config's own steps, evaluations and checkpoints, timed by the wall
clock of the training command (start-up, data loading, evaluations and exports included).
``<data>`` is ``--data_dir`` for MNIST configs and ``--anime_dir`` for image-folder configs.
The final export is scored on ``--num_samples`` images against the run's real data (MNIST: the
10,000 test digits with the shipped MNIST classifier; anime: a seeded sample of 10,000 faces
of the folder with the shipped anime-face network). Prints one markdown table (system, steps,
minutes, MNIST score, FID, KID, class accuracy of the cGAN, sample grid), also written to
``<workdir>/quality.md`` with the raw numbers in ``<workdir>/quality.json``; with
``--grids_dir`` the final sample grid of each run is copied to ``<grids_dir>/<system>.png``.
``--table_only`` rebuilds the table from the runs already in ``<workdir>``.

Time is only comparable with the machine to itself: run nothing else meanwhile.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import time

from absl import app
from absl import flags

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_SYSTEMS = ("gan", "dcgan", "cgan", "lsgan", "wgan", "wgangp")
SYSTEMS = MNIST_SYSTEMS + ("anime_fast",)
# Marks a <workdir>/<system> this benchmark created, so that it only ever deletes its own runs.
MARKER = ".quality_benchmark"

FLAGS = flags.FLAGS
flags.DEFINE_string("data_dir", os.path.join(ROOT, "..", "shared", "data", "mnist",
                                             "mnist.npz"),
                    "MNIST .npz (or a directory holding it) for the MNIST configs.")
flags.DEFINE_string("anime_dir", None, "Image folder for the folder configs (anime_*).")
flags.DEFINE_list("systems", list(SYSTEMS), "Configs (configs/<name>.cfg) to train.")
flags.DEFINE_integer("num_samples", 10_000, "Generated images scored per system.")
flags.DEFINE_string("workdir", "/tmp/tfgan_quality", "Base work directory: one "
                    "<workdir>/<system> run each (started afresh; a directory this benchmark did not "
                    "create is refused, never deleted).")
flags.DEFINE_string("grids_dir", "", "If set, copy each final sample grid to "
                    "<grids_dir>/<system>.png.")
flags.DEFINE_boolean("table_only", False, "Do not train: rebuild the table from "
                     "<workdir>/<system>/quality_row.json.")


def config_path(system: str) -> str:
    return os.path.join(ROOT, "configs", system + ".cfg")


def is_folder_config(system: str) -> bool:
    with open(config_path(system)) as f:
        return "--dataset=folder" in f.read().split()


def run_logged(command, log_path: str) -> float:
    """Runs ``command`` with its output appended to ``log_path``; returns its wall seconds."""
    print("$ " + " ".join(command), flush=True)
    started = time.time()
    with open(log_path, "a") as log:
        code = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    seconds = time.time() - started
    if code:
        raise SystemExit(f"error: exit {code} after {seconds:.0f} s; see {log_path}")
    return seconds


def train_and_score(system: str) -> dict:
    """Trains ``configs/<system>.cfg`` as shipped, then scores its final export."""
    workdir = os.path.join(FLAGS.workdir, system)
    marker = os.path.join(workdir, MARKER)
    if os.path.exists(workdir):
        if not os.path.exists(marker) and os.listdir(workdir):
            raise SystemExit(f"error: {workdir} holds files this benchmark did not write (a "
                             "training run?); pass another --workdir")
        shutil.rmtree(workdir)
    os.makedirs(workdir)
    open(marker, "w").close()  # Later runs of this benchmark may delete this directory.
    log = os.path.join(FLAGS.workdir, system + ".log")
    data = FLAGS.anime_dir if is_folder_config(system) else FLAGS.data_dir
    seconds = run_logged([sys.executable, "bin/train.py", f"--flagfile=configs/{system}.cfg",
                          f"--workdir={workdir}", f"--data_dir={data}"], log)
    output = os.path.join(workdir, "quality_eval.json")
    run_logged([sys.executable, "bin/evaluate.py", f"--model_dir={workdir}/export",
                f"--num_samples={FLAGS.num_samples}", f"--output={output}"], log)
    with open(output) as f:
        metrics = json.load(f)
    grid = sorted(glob.glob(os.path.join(workdir, "samples", "step_*.png")))[-1]
    if FLAGS.grids_dir:
        os.makedirs(FLAGS.grids_dir, exist_ok=True)
        shown = os.path.join(FLAGS.grids_dir, f"{system}.png")
        shutil.copyfile(grid, shown)
        grid = os.path.relpath(os.path.abspath(shown), ROOT)
    row = {"system": system, "config": f"configs/{system}.cfg", "steps": metrics["step"],
           "minutes": seconds / 60.0, "grid": grid, **metrics}
    with open(os.path.join(workdir, "quality_row.json"), "w") as f:
        json.dump(row, f, indent=2)
    print(f"{system}: {row['minutes']:.1f} min, {format_row(row)}", flush=True)
    return row


def _number(value, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def format_row(r: dict) -> str:
    score = ("" if r.get("inception_score") is None else
             f"{r['inception_score']:.2f} ± {_number(r.get('inception_score_std'), '.2f')}")
    accuracy = r.get("class_accuracy")
    return (f"| {r['system']} | {r['steps']:,} | {r['minutes']:.1f} | {score} | "
            f"{r['fid']:.2f} | {r['kid']:.3f} ± {_number(r.get('kid_std'), '.3f')} | "
            f"{'' if accuracy is None else format(accuracy, '.1%')} | "
            f"![{r['system']}]({r['grid']}) |")


def table(rows) -> str:
    """The markdown table of the results."""
    lines = ["| config | steps | minutes | MNIST score | FID | KID | class accuracy | samples |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    return "\n".join(lines + [format_row(r) for r in rows])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    unknown = [s for s in FLAGS.systems if not os.path.exists(config_path(s))]
    if unknown:
        raise SystemExit(f"error: --systems: no configs/<name>.cfg for {', '.join(unknown)}")
    if not FLAGS.table_only and not FLAGS.anime_dir and any(map(is_folder_config,
                                                                FLAGS.systems)):
        raise SystemExit("error: the folder configs need --anime_dir=<image folder> (or leave "
                         "them out of --systems)")
    os.makedirs(FLAGS.workdir, exist_ok=True)
    rows = []
    for system in FLAGS.systems:
        if FLAGS.table_only:
            with open(os.path.join(FLAGS.workdir, system, "quality_row.json")) as f:
                rows.append(json.load(f))
        else:
            rows.append(train_and_score(system))
    with open(os.path.join(FLAGS.workdir, "quality.json"), "w") as f:
        json.dump(rows, f, indent=2)
    markdown = table(rows)
    with open(os.path.join(FLAGS.workdir, "quality.md"), "w") as f:
        f.write(markdown + "\n")
    print(f"\nConfigs as shipped, {FLAGS.num_samples:,} samples each (MNIST score, FID and "
          "KID on the shipped MNIST classifier; anime: FID and KID on the shipped anime-face "
          "network):\n")
    print(markdown)


if __name__ == "__main__":
    app.run(main)
