"""The cost of training options per step: one config with and without flags, in one run.

    python benchmarks/option_speed.py --config=cgan --variants='shipped:,decay:--lr_decay=linear'
    python benchmarks/option_speed.py --config=wgangp --data_dir=../shared/data/mnist/mnist.npz \
        --variants='shipped:,decay:--lr_decay=linear'
    python benchmarks/option_speed.py --config=wgangp --variants='shipped:,lazy4:--gp_every=4'

Each variant is ``name:flags`` (flags separated by spaces, given after the config's flagfile;
``name:`` is the config as shipped). Every variant is built and warmed up, then timed in
alternating windows of ``--steps`` steps, ``--repeats`` rounds: the machine is shared, and
alternating spreads other load evenly over the variants. Reported: the median ms/step of each
variant and the median over rounds of its ratio to the first variant in the same round.
Compare numbers within one run only.
"""

import math
import statistics

from absl import app
from absl import flags as absl_flags

import common

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_string("config", "dcgan", "Config name (configs/<name>.cfg).")
absl_flags.DEFINE_list("variants", ["shipped:"], "name:flags, ...; the first is the reference.")
common.define_window_flags(steps=40)


def parse_variant(spec: str):
    """``"name:--a=1 --b=2"`` -> ``("name", ["--a=1", "--b=2"])``."""
    name, sep, flags = spec.partition(":")
    if not sep or not name:
        raise app.UsageError(f"--variants: {spec!r} is not name:flags (e.g. 'decay:--lr_decay="
                             "linear', or 'shipped:' for the config as shipped)")
    return name, flags.split()


def schedule_period(config) -> int:
    """Batches after which the generator and penalty schedules repeat (warm-up aside)."""
    return math.lcm(config.g_every, config.gp_every)


def main(argv):
    del argv
    variants = dict(parse_variant(spec) for spec in FLAGS.variants)
    timed = {name: common.TimedGAN(common.config_from_file(
        FLAGS.config, f"--data_dir={FLAGS.data_dir}", "--eval_every=0", *flags))
        for name, flags in variants.items()}
    for variant in timed.values():
        variant.window(max(FLAGS.warmup, 2 * schedule_period(variant.config)))
    # Whole schedule periods, so every window holds the same share of generator updates and
    # gradient penalties.
    period = math.lcm(*(schedule_period(v.config) for v in timed.values()))
    steps = max(FLAGS.steps - FLAGS.steps % period, period)
    seconds = common.alternate_windows(timed, steps, FLAGS.repeats)
    reference = next(iter(timed))
    print(f"\n{FLAGS.config}: {steps} steps x {FLAGS.repeats} windows per variant (median)")
    print(f"| variant | flags | ms/step | vs {reference} (median of rounds) |")
    print("| --- | --- | --- | --- |")
    for name, values in seconds.items():
        ratio = statistics.median(a / b for a, b in zip(values, seconds[reference]))
        print(f"| {name} | {' '.join(variants[name]) or '(as shipped)'} | "
              f"{1000 * statistics.median(values):.1f} | {ratio:.3f} |")


if __name__ == "__main__":
    app.run(main)
