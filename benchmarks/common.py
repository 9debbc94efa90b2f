"""Helpers shared by the benchmarks: configs from ``configs/*.cfg``, a per-batch clock.

The benchmarks run as scripts (``python benchmarks/throughput.py``), so this module is
imported as ``common`` from the benchmarks' folder.
"""

import os
import time

import keras
from absl import flags as absl_flags

from tfgan import config as config_lib
from tfgan import flags as tfgan_flags

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
