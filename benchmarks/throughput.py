"""Training throughput of the six systems on MNIST: float32 vs mixed_bfloat16, XLA off vs on.

    python benchmarks/throughput.py --data_dir=../shared/data/mnist/mnist.npz

Prints one table of training images/second (a "step" is one batch: its discriminator update(s)
and, on schedule, the generator update), then the overhead of ``GAN.fit`` against a bare
``tf.function`` loop over the same networks, optimizers and data, measured in the same run.
Each configuration is warmed up (tracing, XLA compilation) before it is timed, and timed
``--repeats`` times (the median is reported): this machine is shared, so compare numbers
within one run only.
"""

import os
import statistics
import sys
import time

from absl import app
from absl import flags as absl_flags

import keras
import tensorflow as tf

from tfgan import config as config_lib
from tfgan import distribute
from tfgan import flags as tfgan_flags
from tfgan import train_lib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SYSTEMS = ("gan", "dcgan", "cgan", "lsgan", "wgan", "wgangp")

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_string("data_dir", os.path.join(ROOT, "..", "shared", "data", "mnist",
                                                  "mnist.npz"), "MNIST .npz")
absl_flags.DEFINE_list("systems", list(SYSTEMS), "Configs (configs/<name>.cfg) to measure.")
absl_flags.DEFINE_list("precisions", ["float32", "mixed_bfloat16"], "Dtype policies.")
absl_flags.DEFINE_list("xla", ["off", "on"], "jit_compile settings to measure.")
absl_flags.DEFINE_integer("batch_size", 64, "Global batch size.")
absl_flags.DEFINE_integer("steps", 20, "Timed steps per measurement.")
absl_flags.DEFINE_integer("warmup", 5, "Untimed steps before timing (tracing, compilation); "
                          "at least 1.")
absl_flags.DEFINE_integer("repeats", 3, "Timed repetitions; the median is reported.")
absl_flags.DEFINE_string("overhead_system", "dcgan", "System for the fit-vs-loop comparison.")


def load_config(system: str) -> config_lib.Config:
    """The config of ``configs/<system>.cfg``, at the benchmark's batch size and data."""
    values = absl_flags.FlagValues()
    tfgan_flags.define_flags(values)
    values(["benchmark", f"--flagfile={os.path.join(ROOT, 'configs', system + '.cfg')}",
            f"--data_dir={FLAGS.data_dir}", f"--batch_size={FLAGS.batch_size}"])
    return tfgan_flags.config_from_flags(values)


def build(config, precision: str, xla: bool):
    distribute.set_precision(precision)
    keras.utils.set_random_seed(0)
    gan = train_lib.build_gan(config)
    gan.compile(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer, jit_compile=xla)
    dataset = train_lib.build_dataset(config).cache().prefetch(tf.data.AUTOTUNE)
    return gan, dataset


class _BatchClock(keras.callbacks.Callback):
    """Records the time at the end of every training batch."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def time_fit(gan, dataset) -> float:
    """Median steady-state images/second of one ``fit`` call, over ``--repeats`` windows.

    One call runs the warm-up and every timed window, so ``fit``'s start-up (iterator and
    callback creation) is not charged to the steps; its per-step machinery is.
    """
    clock = _BatchClock()
    gan.fit(dataset, steps_per_epoch=FLAGS.warmup + FLAGS.steps * FLAGS.repeats, epochs=1,
            verbose=0, callbacks=[clock])
    rates = []
    for r in range(FLAGS.repeats):
        begin = clock.times[FLAGS.warmup - 1 + r * FLAGS.steps]
        end = clock.times[FLAGS.warmup - 1 + (r + 1) * FLAGS.steps]
        rates.append(FLAGS.steps * FLAGS.batch_size / (end - begin))
    return statistics.median(rates)


def bare_loop_rate(gan, dataset) -> float:
    """The same D and G updates as ``GAN.train_step``, in a plain ``tf.function`` loop.

    It reuses the GAN's networks, optimizers, losses and latent draws (its private update
    methods), so the only difference from ``fit`` is Keras' machinery around the step.
    """
    conditional = gan.conditional

    @tf.function(jit_compile=gan.jit_compile)
    def step(batch, update_generator):
        images, labels = batch if conditional else (batch, None)
        for _ in range(gan.d_steps):
            gan._discriminator_update(images, labels)
        if update_generator:
            gan._generator_update(tf.shape(images)[0], labels)

    def run(num_steps, iterator, first_index):
        for i in range(num_steps):
            step(next(iterator), (first_index + i + 1) % gan.g_every == 0)

    iterator = iter(dataset)
    warmup = max(FLAGS.warmup, gan.g_every)  # traces both branches
    run(warmup, iterator, 0)
    rates = []
    for r in range(FLAGS.repeats):
        start = time.perf_counter()
        run(FLAGS.steps, iterator, warmup + r * FLAGS.steps)
        rates.append(FLAGS.steps * FLAGS.batch_size / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv):
    del argv
    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, batch {FLAGS.batch_size}, "
          f"{FLAGS.steps} timed steps x {FLAGS.repeats} (median), {os.cpu_count()} CPUs")
    columns = [(p, x) for p in FLAGS.precisions for x in FLAGS.xla]
    header = ["system"] + [f"{p} xla={x}" for p, x in columns]
    if "float32" in FLAGS.precisions and "mixed_bfloat16" in FLAGS.precisions:
        header.append("bf16/fp32 (xla=off)")
    print("\ntraining images/second")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for system in FLAGS.systems:
        config = load_config(system)
        rates = {}
        for precision, xla in columns:
            try:
                gan, dataset = build(config, precision, xla == "on")
                rates[precision, xla] = time_fit(gan, dataset)
            except Exception as e:  # noqa: BLE001 - report the failure in the table
                print(f"{system} {precision} xla={xla} failed: {type(e).__name__}: "
                      f"{str(e).splitlines()[0][:200]}", file=sys.stderr)
                rates[precision, xla] = float("nan")
            finally:
                distribute.set_precision("float32")
        row = [system] + [f"{rates[c]:.0f}" for c in columns]
        if len(header) > len(columns) + 1:
            ratio = rates["mixed_bfloat16", "off"] / rates["float32", "off"]
            row.append(f"{ratio:.2f}x")
        print(" | ".join(row), flush=True)

    config = load_config(FLAGS.overhead_system)
    gan, dataset = build(config, "float32", False)
    fit_rate = time_fit(gan, dataset)
    gan, dataset = build(config, "float32", False)
    loop_rate = bare_loop_rate(gan, dataset)
    print(f"\nfit overhead ({FLAGS.overhead_system}, float32, xla off): fit {fit_rate:.0f} "
          f"images/s, bare tf.function loop {loop_rate:.0f} images/s, "
          f"overhead {100 * (loop_rate / fit_rate - 1):.1f}%")


if __name__ == "__main__":
    app.run(main)
