"""Writes generated images from a work directory or an exported SavedModel; see docs/cli.md.

    python bin/generate.py --workdir=runs/wgangp --num=64 --output=samples.png
    python bin/generate.py --saved_model=runs/wgangp/export --num=16 --output=out/ --as_files
    python bin/generate.py --workdir=runs/cgan --labels=7 --num=10 --output=sevens.png
    python bin/generate.py --workdir=runs/anime --top_k=64 --candidates=512 --output=best.png

--top_k keeps the K images the discriminator scores highest out of --candidates (the anime
DCGAN recipe: 64 of 512).
"""

import os
import sys

from absl import app
from absl import flags
from absl import logging

flags.DEFINE_string("workdir", None, "Work directory of a training run (uses its latest "
                    "checkpoint, or --step).")
flags.DEFINE_string("saved_model", None, "An exported SavedModel, or an export directory "
                    "(its highest version is used).")
flags.DEFINE_integer("step", None, "Checkpoint step to use with --workdir (default: latest).")
flags.DEFINE_integer("num", 64, "Number of images (ignored when --top_k is given).")
flags.DEFINE_integer("top_k", 0, "Keep the K images with the highest discriminator score "
                     "among --candidates (0: off).")
flags.DEFINE_integer("candidates", 512, "Number of candidates drawn for --top_k.")
flags.DEFINE_list("labels", None, "Conditional models: one class id for all images, or one "
                  "per image (default: the classes in order, one grid row each).")
flags.DEFINE_string("output", "generated.png", "The grid PNG, or with --as_files the "
                    "directory for one PNG per image.")
flags.DEFINE_boolean("as_files", False, "Write one PNG per image instead of one grid.")
flags.DEFINE_integer("cols", 0, "Grid columns (0: one row per class for a conditional model, "
                     "else a near-square grid).")
flags.DEFINE_integer("seed", 0, "Seed of the latent vectors.")
flags.DEFINE_integer("batch_size", 64, "Images generated per call.")
FLAGS = flags.FLAGS


def _fail(message):
    raise SystemExit(f"error: {message}")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    if (FLAGS.workdir is None) == (FLAGS.saved_model is None):
        _fail("pass exactly one of --workdir and --saved_model")
    if FLAGS.saved_model is not None and FLAGS.step is not None:
        _fail("--step applies to --workdir only")
    num = FLAGS.top_k or FLAGS.num
    for name, value in (("num", FLAGS.num), ("batch_size", FLAGS.batch_size)):
        if value < 1:
            _fail(f"--{name} must be a positive integer, got {value}")
    if FLAGS.top_k < 0:
        _fail(f"--top_k must be >= 0, got {FLAGS.top_k}")
    if FLAGS.top_k and FLAGS.candidates < FLAGS.top_k:
        _fail(f"--candidates ({FLAGS.candidates}) must be at least --top_k ({FLAGS.top_k})")
    if FLAGS.cols < 0:
        _fail(f"--cols must be >= 0, got {FLAGS.cols}")
    labels = None
    if FLAGS.labels:
        try:
            labels = [int(v) for v in FLAGS.labels]
        except ValueError:
            _fail(f"--labels must be integers, got {','.join(FLAGS.labels)}")
        if len(labels) == 1:
            labels = labels * num
        elif len(labels) != num:
            _fail(f"--labels needs one id or {num} ids (one per image), got {len(labels)}")

    import numpy as np  # pylint: disable=import-outside-toplevel
    from tfgan import callbacks  # pylint: disable=import-outside-toplevel
    from tfgan import train_lib  # pylint: disable=import-outside-toplevel

    try:
        if FLAGS.workdir is not None:
            gan, step, _ = train_lib.restore_gan(FLAGS.workdir, FLAGS.step)
            sampler = train_lib.Sampler.from_gan(gan)
            source = f"{FLAGS.workdir} step {step}"
        else:
            sampler = train_lib.Sampler.from_export(FLAGS.saved_model)
            source = FLAGS.saved_model
        images, labels = sampler.sample(
            num, labels=labels, top_k_of=FLAGS.candidates if FLAGS.top_k else None,
            seed=FLAGS.seed, batch_size=FLAGS.batch_size)
    except (FileNotFoundError, ValueError) as e:
        _fail(e)

    if FLAGS.as_files:
        os.makedirs(FLAGS.output, exist_ok=True)
        for i, image in enumerate(images):
            suffix = "" if labels is None else f"_label{labels[i]}"
            callbacks.save_png(callbacks.to_uint8(image),
                               os.path.join(FLAGS.output, f"{i:05d}{suffix}.png"))
        where = f"{len(images)} files in {FLAGS.output}"
    else:
        cols = FLAGS.cols or None
        if cols is None and labels is not None:
            counts = np.bincount(labels)
            counts = counts[counts > 0]
            # Class blocks of equal size in order: one row per class.
            if len(set(counts)) == 1 and np.all(np.diff(labels) >= 0):
                cols = int(counts[0])
        callbacks.save_image_grid(images, FLAGS.output, cols=cols)
        where = FLAGS.output
    kept = f" (top {FLAGS.top_k} of {FLAGS.candidates} by D score)" if FLAGS.top_k else ""
    print(f"Wrote {len(images)} images{kept} from {source} to {where}")


if __name__ == "__main__":
    app.run(main)
