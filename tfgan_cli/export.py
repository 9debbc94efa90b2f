"""Exports a work directory's generator as a TensorFlow Serving SavedModel; see docs/cli.md.

    tfgan-export --workdir=runs/wgangp                    # latest checkpoint
    tfgan-export --workdir=runs/wgangp --step=4500 --export_dir=/tmp/models/wgangp

Writes <export_dir>/<step>/ (default export_dir: the run's --export_dir, else
<workdir>/export), atomically. Training already exports its last step: exporting that step
again finds the same model there, says so and exits with status 0; a different model under
the same version is refused unless --overwrite replaces it.
"""

import os

from absl import flags

import tfgan_cli as cli

FLAGS = flags.FLAGS


def define_flags(flag_values: flags.FlagValues = FLAGS) -> None:
    """Defines the flags of ``tfgan-export`` (in absl's global ``FLAGS`` by default)."""
    kw = {"flag_values": flag_values}
    flags.DEFINE_string("workdir", None, "Work directory of a training run.", **kw)
    flags.DEFINE_integer("step", None, "Checkpoint step to export (default: the latest; "
                         "--keep_checkpoints decides which steps are kept).", **kw)
    flags.DEFINE_string("export_dir", None, "Base export directory (default: the run's "
                        "--export_dir, else <workdir>/export).", **kw)
    flags.DEFINE_boolean("overwrite", False, "Replace an existing export of the same step "
                         "(without it, an identical one is kept and a different one refused).",
                         **kw)
    flags.mark_flag_as_required("workdir", **kw)


def _check_export_dir_flag(export_lib) -> None:
    if FLAGS.export_dir is None:
        return
    try:
        export_lib.check_export_dir(FLAGS.export_dir)
    except NotADirectoryError as e:
        cli.fail(f"--export_dir={FLAGS.export_dir}: {e}")


def _holds(export_lib, gan, path: str) -> bool:
    """Whether ``path`` is a SavedModel of ``gan``'s generator (False for anything else)."""
    try:
        return export_lib.is_export_of(gan, path)
    except (FileNotFoundError, ValueError):
        return False


def main(argv) -> None:
    cli.check_no_arguments(argv)
    cli.quiet_python_logging()
    if FLAGS.step is not None and FLAGS.step < 0:
        cli.fail(f"--step must be >= 0, got {FLAGS.step}")
    cli.import_tensorflow()
    from tfgan import export as export_lib  # pylint: disable=import-outside-toplevel
    from tfgan import workdir as workdir_lib  # pylint: disable=import-outside-toplevel

    _check_export_dir_flag(export_lib)
    try:
        gan, step, config = workdir_lib.restore_gan(FLAGS.workdir, FLAGS.step)
        export_dir = FLAGS.export_dir or workdir_lib.export_dir_of(config, FLAGS.workdir)
        path = os.path.join(os.path.abspath(os.path.expanduser(export_dir)), str(step))
        if os.path.exists(path) and not FLAGS.overwrite:
            if not _holds(export_lib, gan, path):
                cli.fail(f"{path} exists and holds a different model than step {step} of "
                         f"{FLAGS.workdir}; pass --overwrite to replace it, or another "
                         "--export_dir")
            print(f"Step {step} of {FLAGS.workdir} is already exported to {path} (the same "
                  "model); nothing to do (--overwrite exports it again)")
            return
        path = export_lib.export_generator(gan, export_dir, version=step,
                                           overwrite=FLAGS.overwrite)
    except (FileExistsError, FileNotFoundError, NotADirectoryError, ValueError) as e:
        cli.fail(e)
    print(f"Exported step {step} of {FLAGS.workdir} to {path}")


def run() -> None:
    """The ``tfgan-export`` console script."""
    cli.run_command(main, __doc__, cli.defined_flags(define_flags))


if __name__ == "__main__":
    run()
