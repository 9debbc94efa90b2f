"""Measures FID, KID and the Inception (MNIST) score of a trained generator; writes JSON.

    python bin/evaluate.py --model_dir=runs/dcgan                  # latest checkpoint
    python bin/evaluate.py --model_dir=runs/dcgan --step=2000      # a kept checkpoint
    python bin/evaluate.py --model_dir=runs/dcgan/export           # highest exported version
    python bin/evaluate.py --model_dir=/models/x/3000 --data_dir=../shared/data/mnist/mnist.npz

Generated images are compared with the MNIST test split at the generator's image size (the
run's data set when its config.json is known; for an image folder, a seeded random sample of
up to 10,000 of its images); features (and logits) come from the MNIST classifier shipped with
tfgan for 1-channel images and from the anime-face network shipped with tfgan for RGB
(--extractor=inception_v3 if you have its ImageNet weights). Prints one line
and writes <workdir>/eval_<step>.json (or eval_<version>.json next to the SavedModel).
"""

from absl import app
from absl import flags
from absl import logging

flags.DEFINE_string("model_dir", None, "A work directory of bin/train.py (latest checkpoint, "
                    "or --step), a SavedModel, or an export directory (highest version, or "
                    "--step).")
flags.DEFINE_integer("step", None, "Checkpoint step (work directory) or version (export "
                     "directory); default: the latest.")
flags.DEFINE_integer("num_samples", 10_000, "Generated images to score.")
flags.DEFINE_string("data_dir", None, "Real data: MNIST .npz or a directory holding it (the "
                    "test split is used), or an image folder; default: the run's --data_dir.")
flags.DEFINE_enum("dataset", None, ["mnist", "synthetic", "folder"], "Real data set; default: "
                  "the run's --dataset, else mnist.")
flags.DEFINE_string("extractor", "auto", "Feature network: 'auto' (the MNIST classifier for "
                    "1-channel images, the anime-face network for RGB), 'mnist', 'anime' or "
                    "'inception_v3'.")
flags.DEFINE_string("output", None, "The JSON file (default: <workdir>/eval_<step>.json, or "
                    "eval_<version>.json next to the SavedModel).")
flags.DEFINE_integer("batch_size", 500, "Images per generator / extractor call.")
flags.DEFINE_integer("seed", 0, "Seed of the latent vectors and the KID subsets.")
flags.DEFINE_integer("kid_subsets", 100, "KID subsets.")
flags.DEFINE_integer("kid_subset_size", 1000, "Images per KID subset.")
flags.mark_flag_as_required("model_dir")
FLAGS = flags.FLAGS

_EXTRACTORS = ("auto", "mnist", "anime", "inception_v3")


def _fail(message):
    raise SystemExit(f"error: {message}")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if not FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    if FLAGS.extractor not in _EXTRACTORS:
        _fail(f"--extractor must be one of {', '.join(map(repr, _EXTRACTORS))}, got "
              f"{FLAGS.extractor!r}")
    for name in ("num_samples", "batch_size", "kid_subsets"):
        if FLAGS[name].value < 1:
            _fail(f"--{name} must be a positive integer, got {FLAGS[name].value}")
    if FLAGS.num_samples < 2 or FLAGS.kid_subset_size < 2:
        _fail("--num_samples and --kid_subset_size must be at least 2")
    if FLAGS.step is not None and FLAGS.step < 0:
        _fail(f"--step must be >= 0, got {FLAGS.step}")

    from tfgan import eval_lib  # pylint: disable=import-outside-toplevel
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    try:
        result = eval_lib.evaluate_model(
            FLAGS.model_dir, step=FLAGS.step, num_samples=FLAGS.num_samples,
            data_dir=FLAGS.data_dir, dataset=FLAGS.dataset, extractor=FLAGS.extractor,
            output=FLAGS.output, batch_size=FLAGS.batch_size, seed=FLAGS.seed,
            kid_subsets=FLAGS.kid_subsets, kid_subset_size=FLAGS.kid_subset_size)
    except evaluation.WeightsUnavailableError as e:
        _fail(f"--extractor={FLAGS.extractor}: {e}")
    except eval_lib.ModelNotFoundError as e:
        _fail(f"--model_dir={FLAGS.model_dir}: {e}")
    except (FileNotFoundError, ValueError) as e:
        _fail(e)
    print(eval_lib.format_result(result))


if __name__ == "__main__":
    app.run(main)
