"""Helpers shared by the benchmarks: configs from ``configs/*.cfg``, a per-batch clock, a GAN
timed in ``fit`` windows and GANs timed in alternating windows.

The benchmarks run as scripts (``python benchmarks/throughput.py``), so this module is
imported as ``common`` from the benchmarks' folder.
"""

import os
import time
from typing import Dict, List

import keras
import tensorflow as tf
from absl import flags as absl_flags

from tfgan import config as config_lib
from tfgan import distribute
from tfgan import flags as tfgan_flags
from tfgan import task

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_NPZ = os.path.join(ROOT, "..", "shared", "data", "mnist", "mnist.npz")


def config_from_file(name: str, *overrides: str, check_paths: bool = True) -> config_lib.Config:
    """``configs/<name>.cfg`` as a validated ``Config``, with flag ``overrides`` applied.

    Args:
        name: the flagfile's name without ``.cfg``, e.g. ``"dcgan"``.
        overrides: flags given after the flagfile, e.g. ``"--batch_size=64"``.
        check_paths: also check that ``--data_dir`` exists (see ``Config.validate``).
    """
    values = absl_flags.FlagValues()
    tfgan_flags.define_flags(values)
    values(["benchmark", f"--flagfile={os.path.join(ROOT, 'configs', name + '.cfg')}",
            *overrides])
    return tfgan_flags.config_from_flags(values, check_paths=check_paths)


class BatchClock(keras.callbacks.Callback):
    """Records ``time.perf_counter()`` at the end of every training batch (``times``)."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


class TimedGAN:
    """The GAN of one config, timed in ``fit`` windows (start-up excluded).

    The dataset is cached after its first pass, so a window times the training step rather
    than image decoding; ``jit_compile`` is off (as ``bin/train.py`` runs).
    """

    def __init__(self, config: config_lib.Config):
        self.config = config
        distribute.set_precision(config.mixed_precision)
        keras.utils.set_random_seed(0)
        self.gan = task.build_gan(config)
        self.gan.compile(d_optimizer=self.gan.d_optimizer, g_optimizer=self.gan.g_optimizer,
                         jit_compile=False)
        self.dataset = task.build_dataset(config).cache().prefetch(tf.data.AUTOTUNE)

    def window(self, steps: int) -> float:
        """Seconds per step over ``steps`` steps (from the end of a first, untimed batch)."""
        distribute.set_precision(self.config.mixed_precision)
        clock = BatchClock()
        self.gan.fit(self.dataset, steps_per_epoch=steps + 1, epochs=1, verbose=0,
                     callbacks=[clock])
        return (clock.times[-1] - clock.times[0]) / steps


def define_window_flags(steps: int) -> None:
    """``--data_dir``, ``--steps``, ``--warmup`` and ``--repeats`` of a benchmark that times
    GANs in alternating windows (``alternate_windows``); ``steps`` is the default window."""
    absl_flags.DEFINE_string("data_dir", MNIST_NPZ,
                             "--data_dir of the configs (an MNIST .npz or an image folder).")
    absl_flags.DEFINE_integer("steps", steps, "Timed steps per window.")
    absl_flags.DEFINE_integer("warmup", 10, "Untimed steps per variant before timing.")
    absl_flags.DEFINE_integer("repeats", 3, "Rounds of windows; medians are reported.")


def alternate_windows(timed: Dict[str, TimedGAN], steps: int,
                      repeats: int) -> Dict[str, List[float]]:
    """Seconds per step of each GAN in ``repeats`` rounds of one ``steps``-step window each.

    The machine is shared: alternating the variants within every round spreads other load
    evenly over them, so compare them by the median over rounds of their ratios.
    """
    seconds = {name: [] for name in timed}
    for _ in range(repeats):
        for name, variant in timed.items():
            seconds[name].append(variant.window(steps))
    return seconds
