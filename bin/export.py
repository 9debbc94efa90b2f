"""Exports a work directory's generator as a TensorFlow Serving SavedModel; see docs/cli.md.

    python bin/export.py --workdir=runs/wgangp                    # latest checkpoint
    python bin/export.py --workdir=runs/wgangp --step=2000 --export_dir=/models/wgangp

Writes <export_dir>/<step>/ (default export_dir: the run's --export_dir, else
<workdir>/export), atomically.
"""

from absl import app
from absl import flags
from absl import logging

flags.DEFINE_string("workdir", None, "Work directory of a training run.")
flags.DEFINE_integer("step", None, "Checkpoint step to export (default: the latest).")
flags.DEFINE_string("export_dir", None, "Base export directory (default: the run's "
                    "--export_dir, else <workdir>/export).")
flags.DEFINE_boolean("overwrite", False, "Replace an existing export of the same step.")
flags.mark_flag_as_required("workdir")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    from tfgan import export as export_lib  # pylint: disable=import-outside-toplevel
    from tfgan import train_lib  # pylint: disable=import-outside-toplevel
    try:
        gan, step, config = train_lib.restore_gan(FLAGS.workdir, FLAGS.step)
        export_dir = FLAGS.export_dir or train_lib.export_dir_of(config, FLAGS.workdir)
        path = export_lib.export_generator(gan, export_dir, version=step,
                                           overwrite=FLAGS.overwrite)
    except FileExistsError:
        raise SystemExit(f"error: {export_dir}/{step} exists; pass --overwrite to replace it")
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"error: {e}")
    print(f"Exported step {step} of {FLAGS.workdir} to {path}")


if __name__ == "__main__":
    app.run(main)
