"""Writes generated images from a work directory or an exported SavedModel; see docs/cli.md.

    tfgan-generate --workdir=runs/wgangp --num=64 --output=samples.png
    tfgan-generate --saved_model=runs/wgangp/export --num=16 --output=out/ --as_files
    tfgan-generate --workdir=runs/cgan --labels=7 --num=10 --output=sevens.png
    tfgan-generate --workdir=runs/anime --top_k=64 --candidates=512 --output=best.png

--top_k keeps the K images the discriminator scores highest out of --candidates (the anime
DCGAN recipe: 64 of 512).
"""

import os

from absl import flags

import tfgan_cli as cli

FLAGS = flags.FLAGS


def define_flags(flag_values: flags.FlagValues = FLAGS) -> None:
    """Defines the flags of ``tfgan-generate`` (in absl's global ``FLAGS`` by default)."""
    kw = {"flag_values": flag_values}
    flags.DEFINE_string("workdir", None, "Work directory of a training run (uses its latest "
                        "checkpoint, or --step).", **kw)
    flags.DEFINE_string("saved_model", None, "An exported SavedModel, or an export directory "
                        "(its highest version is used).", **kw)
    flags.DEFINE_integer("step", None, "Checkpoint step to use with --workdir (default: "
                         "latest).", **kw)
    flags.DEFINE_integer("num", 64, "Number of images (ignored when --top_k is given).", **kw)
    flags.DEFINE_integer("top_k", 0, "Keep the K images with the highest discriminator score "
                         "among --candidates (0: off).", **kw)
    flags.DEFINE_integer("candidates", 512, "Number of candidates drawn for --top_k.", **kw)
    flags.DEFINE_list("labels", None, "Conditional models: one class id for all images, or "
                      "one per image (default: the classes in order, one grid row each).",
                      **kw)
    flags.DEFINE_string("output", "generated.png", "The grid PNG, or with --as_files the "
                        "directory for one PNG per image.", **kw)
    flags.DEFINE_boolean("as_files", False, "Write one PNG per image instead of one grid.",
                         **kw)
    flags.DEFINE_integer("cols", 0, "Grid columns (0: one row per class for a conditional "
                         "model, else a near-square grid).", **kw)
    flags.DEFINE_integer("seed", 0, "Seed of the latent vectors.", **kw)
    flags.DEFINE_integer("batch_size", 64, "Images generated per call.", **kw)


def _check_flags() -> None:
    if (FLAGS.workdir is None) == (FLAGS.saved_model is None):
        cli.fail("pass exactly one of --workdir and --saved_model")
    if FLAGS.saved_model is not None and FLAGS.step is not None:
        cli.fail("--step applies to --workdir only")
    for name, value in (("num", FLAGS.num), ("batch_size", FLAGS.batch_size)):
        if value < 1:
            cli.fail(f"--{name} must be a positive integer, got {value}")
    if FLAGS.top_k < 0:
        cli.fail(f"--top_k must be >= 0, got {FLAGS.top_k}")
    if FLAGS.top_k and FLAGS.candidates < FLAGS.top_k:
        cli.fail(f"--candidates ({FLAGS.candidates}) must be at least --top_k "
                 f"({FLAGS.top_k})")
    if FLAGS.cols < 0:
        cli.fail(f"--cols must be >= 0, got {FLAGS.cols}")


def _labels(num: int):
    """``--labels`` as ``num`` ints (one id repeated, or one per image), or None."""
    if not FLAGS.labels:
        return None
    try:
        labels = [int(v) for v in FLAGS.labels]
    except ValueError:
        cli.fail(f"--labels must be integers, got {','.join(FLAGS.labels)}")
    if len(labels) == 1:
        return labels * num
    if len(labels) != num:
        cli.fail(f"--labels needs one id or {num} ids (one per image), got {len(labels)}")
    return labels


def _grid_columns(labels):
    """``--cols``, else one row per class when the labels come in equal blocks, else None."""
    import numpy as np  # pylint: disable=import-outside-toplevel

    if FLAGS.cols or labels is None:
        return FLAGS.cols or None
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    if len(set(counts)) == 1 and np.all(np.diff(labels) >= 0):
        return int(counts[0])
    return None


def main(argv) -> None:
    cli.check_no_arguments(argv)
    cli.quiet_python_logging()
    _check_flags()
    num = FLAGS.top_k or FLAGS.num
    labels = _labels(num)

    cli.import_tensorflow()
    from tfgan import images as images_lib  # pylint: disable=import-outside-toplevel
    from tfgan import sampling  # pylint: disable=import-outside-toplevel
    from tfgan import workdir as workdir_lib  # pylint: disable=import-outside-toplevel

    try:
        if FLAGS.workdir is not None:
            gan, step, _ = workdir_lib.restore_gan(FLAGS.workdir, FLAGS.step)
            sampler = sampling.Sampler.from_gan(gan)
            source = f"{FLAGS.workdir} step {step}"
        else:
            sampler = sampling.Sampler.from_export(FLAGS.saved_model)
            source = FLAGS.saved_model
        images, labels = sampler.sample(
            num, labels=labels, top_k_of=FLAGS.candidates if FLAGS.top_k else None,
            seed=FLAGS.seed, batch_size=FLAGS.batch_size)
    except (FileNotFoundError, ValueError) as e:
        cli.fail(e)

    if FLAGS.as_files:
        os.makedirs(FLAGS.output, exist_ok=True)
        for i, image in enumerate(images):
            suffix = "" if labels is None else f"_label{labels[i]}"
            images_lib.save_png(image, os.path.join(FLAGS.output, f"{i:05d}{suffix}.png"))
        where = f"{len(images)} files in {FLAGS.output}"
    else:
        images_lib.save_image_grid(images, FLAGS.output, cols=_grid_columns(labels))
        where = FLAGS.output
    kept = f" (top {FLAGS.top_k} of {FLAGS.candidates} by D score)" if FLAGS.top_k else ""
    print(f"Wrote {len(images)} images{kept} from {source} to {where}")


def run() -> None:
    """The ``tfgan-generate`` console script."""
    cli.run_command(main, __doc__, cli.defined_flags(define_flags))


if __name__ == "__main__":
    run()
