"""The cost of DiffAugment (``--augment``) per training step, measured in one run.

    python benchmarks/augment_speed.py
    python benchmarks/augment_speed.py --cases=dcgan --policies=,color,translation,cutout,all

For each case, a GAN is built from a shipped config (with synthetic images of the config's
size, so no data set is needed and the input pipeline costs the same for every variant), once
per augmentation policy in ``--policies`` ('' = no augmentation). After warm-up (tracing
both step functions of a ``g_every`` schedule), the variants of a case are timed by ``fit`` in
alternating windows of ``--steps`` steps, ``--repeats`` rounds, and the median time per step
is reported with the median over rounds of its ratio to the unaugmented step of the same
round: the machine is shared, and alternating spreads other load evenly over the variants. The augmentation alone (``diff_augment`` of one
real batch in a ``tf.function``) is timed too. Cases:

* ``dcgan``: ``configs/dcgan.cfg`` as shipped (28x28x1, batch 64, mixed_bfloat16);
* ``rgb64``: ``configs/anime_dcgan.cfg`` (transposed-conv DCGAN, G every 5th batch) at
  64x64x3, batch 64, with ``--rgb_base_filters`` and ``--rgb_precision``.

Compare numbers within one run only.
"""

import os
import statistics
import time

from absl import app
from absl import flags as absl_flags

import keras
import numpy as np
import tensorflow as tf

from tfgan import augment
from tfgan import config as config_lib
from tfgan import distribute
from tfgan import task

import common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = ("dcgan", "rgb64")

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_list("cases", list(CASES), f"Cases to measure: {', '.join(CASES)}.")
absl_flags.DEFINE_list("policies", ["", "all"],
                       "Augmentation policies to compare, comma-separated: '' is none (the "
                       "baseline), 'all' is color,translation,cutout, '+' joins names (e.g. "
                       "--policies=,color,translation+cutout,all).")
absl_flags.DEFINE_integer("steps", 30, "Timed steps per window (rgb64: a third, at least "
                          "g_every).")
absl_flags.DEFINE_integer("warmup", 10, "Untimed steps before timing.")
absl_flags.DEFINE_integer("repeats", 5, "Rounds of timed windows (one per variant each); the "
                          "medians are reported.")
absl_flags.DEFINE_integer("rgb_base_filters", 32, "Generator and discriminator width of the "
                          "rgb64 case (anime_dcgan.cfg's default is 64).")
absl_flags.DEFINE_string("rgb_precision", "mixed_bfloat16", "Dtype policy of the rgb64 case.")


def load_config(name: str, *overrides: str) -> config_lib.Config:
    return common.config_from_file(name, *overrides, check_paths=False)


def case_config(case: str) -> config_lib.Config:
    """The config of a case, on synthetic images of its size."""
    synthetic = ["--dataset=synthetic", "--data_dir=", "--cache=", "--eval_every=0"]
    if case == "dcgan":
        return load_config("dcgan", *synthetic)
    if case == "rgb64":
        width = FLAGS.rgb_base_filters
        return load_config("anime_dcgan", *synthetic, "--image_size=64",
                           f"--g_base_filters={width}", f"--d_base_filters={width}",
                           f"--mixed_precision={FLAGS.rgb_precision}")
    raise app.UsageError(f"--cases: unknown case {case!r}; choose from {', '.join(CASES)}")


def policy_name(policy: str) -> str:
    return policy or "none"


def augmentation_alone(config: config_lib.Config, policy: str, repeats: int = 50) -> float:
    """Median seconds of ``diff_augment`` on one batch of the case, in a ``tf.function``."""
    if not policy:
        return 0.0
    images = tf.constant(np.random.default_rng(0).uniform(
        -1, 1, (config.batch_size,) + config.image_shape).astype(np.float32))
    seed = keras.random.SeedGenerator(0)
    run = tf.function(lambda x: augment.diff_augment(x, policy, seed=seed))
    run(images)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(images).numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(case: str):
    base = case_config(case)
    steps = FLAGS.steps if case == "dcgan" else max(FLAGS.steps // 3, base.g_every)
    steps -= steps % base.g_every  # whole schedule periods: the same G share in every window
    policies = [augment.format_policy(p.replace("all", augment.DEFAULT_POLICY)
                                      .replace("+", ",")) for p in FLAGS.policies]
    variants = {p: common.TimedGAN(base.replace(augment=p)) for p in policies}
    for variant in variants.values():
        variant.window(max(FLAGS.warmup, 2 * base.g_every))
    seconds = {p: [] for p in policies}
    for _ in range(FLAGS.repeats):
        for policy, variant in variants.items():
            seconds[policy].append(variant.window(steps))
    medians = {p: statistics.median(v) for p, v in seconds.items()}
    alone = {p: augmentation_alone(base, p) for p in policies}
    reference = "" if "" in seconds else policies[0]
    # Each round's windows run back to back: their ratio cancels load that lasts a round.
    ratios = {p: statistics.median(a / b for a, b in zip(seconds[p], seconds[reference]))
              for p in policies}
    print(f"\n{case}: {base.arch}, {base.image_size}x{base.image_size}x{base.channels}, "
          f"batch {base.batch_size}, g_every {base.g_every}, {base.mixed_precision}, "
          f"{steps} steps x {FLAGS.repeats} windows (median)")
    print(f"| policy | ms/step | vs {policy_name(reference)} (median of rounds) | windows "
          "(ms/step) | diff_augment alone (ms/batch) |")
    print("| --- | ---: | ---: | --- | ---: |")
    for policy in policies:
        windows = ", ".join(f"{1000 * s:.0f}" for s in seconds[policy])
        print(f"| {policy_name(policy)} | {1000 * medians[policy]:.1f} | "
              f"{ratios[policy]:.2f}x | {windows} | {1000 * alone[policy]:.2f} |")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, {os.cpu_count()} CPUs")
    for case in FLAGS.cases:
        measure(case)
    distribute.set_precision("float32")


if __name__ == "__main__":
    app.run(main)
