"""Measures FID, KID and the Inception (MNIST) score of a trained generator; see docs/evaluation.md.

    tfgan-evaluate --model_dir=runs/dcgan                  # latest checkpoint
    tfgan-evaluate --model_dir=runs/dcgan --step=8000      # a kept checkpoint
    tfgan-evaluate --model_dir=runs/dcgan/export           # highest exported version
    tfgan-evaluate --model_dir=runs/dcgan/export/9000 --data_dir=$HOME/.keras/datasets/mnist.npz

Generated images are compared with the MNIST test split at the generator's image size (the
run's data set when its config.json is known; for an image folder, a seeded random sample of
up to 10,000 of its images); features (and logits) come from the MNIST classifier shipped with
tfgan for 1-channel images and from the anime-face network shipped with tfgan for RGB
(--extractor=inception_v3 if you have its ImageNet weights). Prints one line
and writes <workdir>/eval_<step>.json (or eval_<version>.json next to the SavedModel).
"""

from absl import flags

import tfgan_cli as cli

FLAGS = flags.FLAGS

def define_flags(flag_values: flags.FlagValues = FLAGS) -> None:
    """Defines the flags of ``tfgan-evaluate`` (in absl's global ``FLAGS`` by default)."""
    kw = {"flag_values": flag_values}
    flags.DEFINE_string("model_dir", None, "A work directory of tfgan-train (latest "
                        "checkpoint, or --step), a SavedModel, or an export directory "
                        "(highest version, or --step).", **kw)
    flags.DEFINE_integer("step", None, "Checkpoint step (work directory) or version (export "
                         "directory); default: the latest.", **kw)
    flags.DEFINE_integer("num_samples", 10_000, "Generated images to score.", **kw)
    flags.DEFINE_string("data_dir", None, "Real data: MNIST .npz or a directory holding it "
                        "(the test split is used), or an image folder; default: the run's "
                        "--data_dir.", **kw)
    names = cli.import_without_tensorflow("tfgan.names")
    flags.DEFINE_enum("dataset", None, list(names.DATASETS), "Real data set; "
                      "default: the run's --dataset, else mnist.", **kw)
    flags.DEFINE_string("extractor", "auto", "Feature network: 'auto' (the MNIST classifier "
                        "for 1-channel images, the anime-face network for RGB), 'mnist', "
                        "'anime' or 'inception_v3'.", **kw)
    flags.DEFINE_string("output", None, "The JSON file (default: <workdir>/eval_<step>.json, "
                        "or eval_<version>.json next to the SavedModel).", **kw)
    flags.DEFINE_integer("batch_size", 500, "Images per generator / extractor call.", **kw)
    flags.DEFINE_integer("seed", 0, "Seed of the latent vectors and the KID subsets.", **kw)
    flags.DEFINE_integer("kid_subsets", 100, "KID subsets.", **kw)
    flags.DEFINE_integer("kid_subset_size", 1000, "Images per KID subset.", **kw)
    flags.mark_flag_as_required("model_dir", **kw)


def _check_flags() -> None:
    names = cli.import_without_tensorflow("tfgan.names")
    if FLAGS.extractor not in names.EXTRACTORS:
        cli.fail(f"--extractor must be one of {names.quoted(names.EXTRACTORS)}, got "
                 f"{FLAGS.extractor!r}")
    for name in ("num_samples", "batch_size", "kid_subsets"):
        if FLAGS[name].value < 1:
            cli.fail(f"--{name} must be a positive integer, got {FLAGS[name].value}")
    if FLAGS.num_samples < 2 or FLAGS.kid_subset_size < 2:
        cli.fail("--num_samples and --kid_subset_size must be at least 2")
    if FLAGS.step is not None and FLAGS.step < 0:
        cli.fail(f"--step must be >= 0, got {FLAGS.step}")


def main(argv) -> None:
    cli.check_no_arguments(argv)
    cli.quiet_python_logging()
    _check_flags()

    cli.import_tensorflow()
    from tfgan import eval_lib  # pylint: disable=import-outside-toplevel
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    try:
        result = eval_lib.evaluate_model(
            FLAGS.model_dir, step=FLAGS.step, num_samples=FLAGS.num_samples,
            data_dir=FLAGS.data_dir, dataset=FLAGS.dataset, extractor=FLAGS.extractor,
            output=FLAGS.output, batch_size=FLAGS.batch_size, seed=FLAGS.seed,
            kid_subsets=FLAGS.kid_subsets, kid_subset_size=FLAGS.kid_subset_size)
    except evaluation.WeightsUnavailableError as e:
        cli.fail(f"--extractor={FLAGS.extractor}: {e}")
    except eval_lib.ModelNotFoundError as e:
        cli.fail(f"--model_dir={FLAGS.model_dir}: {e}")
    except (FileNotFoundError, ValueError) as e:
        cli.fail(e)
    print(eval_lib.format_result(result))


def run() -> None:
    """The ``tfgan-evaluate`` console script."""
    cli.run_command(main, __doc__, cli.defined_flags(define_flags))


if __name__ == "__main__":
    run()
