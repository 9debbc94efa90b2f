"""Trains a GAN from flags or a flagfile; see docs/cli.md.

    tfgan-train --flagfile=configs/dcgan.cfg --workdir=runs/dcgan --data_dir=mnist.npz

Running the same command again resumes from the last checkpoint; flags after --flagfile
override it; --overwrite starts afresh. Bad flags, paths or data (a missing or empty image
folder, MNIST neither given nor downloadable, an --export_dir that is a file) stop it with one
"error:" line before anything is written into the work directory.
"""

import sys

from absl import flags

import tfgan_cli as cli

FLAGS = flags.FLAGS


def define_flags(flag_values: flags.FlagValues = FLAGS) -> None:
    """Defines the flags of ``tfgan-train`` (``tfgan.flags``; absl's ``FLAGS`` by default)."""
    cli.import_without_tensorflow("tfgan.flags").define_flags(flag_values)
    flags.mark_flag_as_required("workdir", flag_values=flag_values)


def main(argv) -> None:
    cli.check_no_arguments(argv)
    cli.quiet_python_logging()  # TensorFlow's INFO lines drown the progress.
    config_lib = cli.import_without_tensorflow("tfgan.config")
    tfgan_flags = cli.import_without_tensorflow("tfgan.flags")
    try:  # A bad flag fails before TensorFlow loads.
        config = tfgan_flags.config_from_flags(FLAGS)
    except config_lib.ConfigError as e:
        cli.fail(e)
    cli.import_tensorflow()
    from tfgan import train_lib  # pylint: disable=import-outside-toplevel

    try:
        train_lib.train_and_evaluate(config, FLAGS.workdir, overwrite=FLAGS.overwrite)
    except (config_lib.ConfigError, train_lib.TrainingDiverged) as e:
        cli.fail(e)
    except train_lib.TrainingInterrupted as e:
        print(f"Interrupted at step {e.step}; checkpoint: {e.checkpoint}", file=sys.stderr)
        sys.exit(128 + int(e.signum))


def run() -> None:
    """The ``tfgan-train`` console script (TensorFlow is imported once the flags parse)."""
    cli.run_command(main, __doc__, cli.defined_flags(define_flags))


if __name__ == "__main__":
    run()
