"""Training throughput of the six systems on MNIST: float32 vs mixed_bfloat16, XLA off vs on.

    python benchmarks/throughput.py --data_dir=../shared/data/mnist/mnist.npz

Prints one table of training images/second (a "step" is one batch: its discriminator update(s)
and, on schedule, the generator update), then the overhead of ``GAN.fit`` against a bare
``tf.function`` loop over the same networks, optimizers and data, measured in the same run.
Each configuration is warmed up (tracing, XLA compilation), then the configurations of a
system are timed in alternating windows of ``--steps`` steps, ``--repeats`` rounds, and the
median is reported: the machine is shared, and alternating spreads other load evenly over the
variants being compared. Compare numbers within one run only.
"""

import os
import statistics
import time

from absl import app
from absl import flags as absl_flags

import keras
import tensorflow as tf

from tfgan import config as config_lib
from tfgan import distribute
from tfgan import task

import common

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
    return common.config_from_file(system, f"--data_dir={FLAGS.data_dir}",
                                   f"--batch_size={FLAGS.batch_size}")


def build(config, precision: str, xla: bool):
    distribute.set_precision(precision)
    keras.utils.set_random_seed(0)
    gan = task.build_gan(config)
    gan.compile(d_optimizer=gan.d_optimizer, g_optimizer=gan.g_optimizer, jit_compile=xla)
    dataset = task.build_dataset(config).cache().prefetch(tf.data.AUTOTUNE)
    return gan, dataset


class FitRunner:
    """Times ``GAN.fit`` windows: steady-state steps, ``fit``'s start-up excluded.

    Within one ``fit`` call the clock runs from the end of its first batch to the end of its
    last, so iterator and callback creation are not charged to the steps; Keras' per-step
    machinery (logs, callbacks, the g_every dispatch) is.
    """

    def __init__(self, gan, dataset):
        self.gan, self.dataset = gan, dataset

    def warm_up(self):
        self.gan.fit(self.dataset, steps_per_epoch=FLAGS.warmup, epochs=1, verbose=0)

    def window(self, steps: int) -> float:
        clock = common.BatchClock()
        self.gan.fit(self.dataset, steps_per_epoch=steps + 1, epochs=1, verbose=0,
                     callbacks=[clock])
        return clock.times[-1] - clock.times[0]


class LoopRunner:
    """The same D and G updates as ``GAN.train_step``, in a plain ``tf.function`` loop.

    It reuses the GAN's networks, optimizers, losses and latent draws (its private update
    methods), so the only difference from ``fit`` is Keras' machinery around the step.
    """

    def __init__(self, gan, dataset):
        self.gan, self.iterator, self.index = gan, iter(dataset), 0
        conditional = gan.conditional

        @tf.function(jit_compile=gan.jit_compile)
        def step(batch, update_generator):
            images, labels = batch if conditional else (batch, None)
            for _ in range(gan.d_steps):
                gan._discriminator_update(images, labels)
            if update_generator:
                gan._generator_update(tf.shape(images)[0], labels)

        self.step = step

    def _run(self, steps):
        for _ in range(steps):
            self.index += 1
            self.step(next(self.iterator), self.index % self.gan.g_every == 0)

    def warm_up(self):
        self._run(max(FLAGS.warmup, self.gan.g_every))  # traces both branches

    def window(self, steps: int) -> float:
        start = time.perf_counter()
        self._run(steps)
        return time.perf_counter() - start


def interleaved_rates(runners) -> dict:
    """Median images/second of each runner, timed in alternating windows.

    The machine is shared: timing the variants one after another would charge a burst of
    someone else's load to one of them. Alternating ``--repeats`` windows spreads it evenly.
    """
    for runner in runners.values():
        runner.warm_up()
    rates = {name: [] for name in runners}
    for _ in range(FLAGS.repeats):
        for name, runner in runners.items():
            seconds = runner.window(FLAGS.steps)
            rates[name].append(FLAGS.steps * FLAGS.batch_size / seconds)
    return {name: statistics.median(values) for name, values in rates.items()}


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
        runners = {}
        for precision, xla in columns:
            try:
                runners[precision, xla] = FitRunner(*build(config, precision, xla == "on"))
            finally:
                distribute.set_precision("float32")
        rates = interleaved_rates(runners)
        row = [system] + [f"{rates[c]:.0f}" for c in columns]
        if len(header) > len(columns) + 1:
            ratio = rates["mixed_bfloat16", "off"] / rates["float32", "off"]
            row.append(f"{ratio:.2f}x")
        print(" | ".join(row), flush=True)

    config = load_config(FLAGS.overhead_system)
    overhead = interleaved_rates({"fit": FitRunner(*build(config, "float32", False)),
                                  "loop": LoopRunner(*build(config, "float32", False))})
    fit_rate, loop_rate = overhead["fit"], overhead["loop"]
    print(f"\nfit overhead ({FLAGS.overhead_system}, float32, xla off): fit {fit_rate:.0f} "
          f"images/s, bare tf.function loop {loop_rate:.0f} images/s, "
          f"overhead {100 * (loop_rate / fit_rate - 1):.1f}%")


if __name__ == "__main__":
    app.run(main)
