"""Trains a GAN from flags or a flagfile; see docs/cli.md.

    python bin/train.py --flagfile=configs/wgangp.cfg --workdir=runs/wgangp
        --data_dir=../shared/data/mnist/mnist.npz

Running the same command again resumes from the last checkpoint; flags after --flagfile
override it; --overwrite starts afresh.
"""

import sys

from absl import app
from absl import flags
from absl import logging

from tfgan import config as config_lib
from tfgan import flags as tfgan_flags

tfgan_flags.define_flags()
flags.adopt_module_key_flags(tfgan_flags)  # --help lists them
flags.mark_flag_as_required("workdir")
FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)  # TensorFlow's INFO lines drown the progress.
    try:
        config = tfgan_flags.config_from_flags(FLAGS)
    except config_lib.ConfigError as e:
        raise SystemExit(f"error: {e}")
    # Imported after validation: a bad flag fails in a second, not after TensorFlow loads.
    from tfgan import train_lib
    try:
        train_lib.train_and_evaluate(config, FLAGS.workdir, overwrite=FLAGS.overwrite)
    except (config_lib.ConfigError, train_lib.TrainingDiverged) as e:
        raise SystemExit(f"error: {e}")
    except train_lib.TrainingInterrupted as e:
        print(f"Interrupted at step {e.step}; checkpoint: {e.checkpoint}", file=sys.stderr)
        sys.exit(128 + int(e.signum))


if __name__ == "__main__":
    app.run(main)
