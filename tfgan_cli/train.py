"""Trains a GAN from flags or a config; see docs/cli.md.

    tfgan-train --config=dcgan --workdir=runs/dcgan --data_dir=mnist.npz

--config=NAME is one of the shipped configs (tfgan/configs/NAME.cfg, found from any
directory; --help lists them) or the path of a flagfile of your own; --flagfile=configs/x.cfg
does the same from a clone's root. Running the same command again resumes from the last
checkpoint; flags after --config or --flagfile override it; --overwrite starts afresh. Bad
flags, paths or data (a missing or empty image folder, MNIST neither given nor downloadable,
an --export_dir that is a file) stop it with one
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
    if "config" not in flag_values:
        # Expanded to --flagfile= before parsing (tfgan_cli.expand_config_flag); defined so
        # that --help lists it and a --config inside a flagfile is caught.
        flags.DEFINE_string(
            "config", None, "A shipped config by name (" + ", ".join(cli.available_configs())
            + "), or the path of a flagfile: read like --flagfile, from any directory. Flags "
            "after it override it.", flag_values=flag_values)


def main(argv) -> None:
    cli.check_no_arguments(argv)
    if FLAGS.config is not None:  # Only reached from inside a flagfile: not expanded there.
        cli.fail(f"--config={FLAGS.config} inside a flagfile is not supported; use "
                 f"--flagfile={cli.config_path(FLAGS.config)} there")
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
    sys.argv = cli.expand_config_flag(sys.argv)
    cli.run_command(main, __doc__, cli.defined_flags(define_flags))


if __name__ == "__main__":
    run()
