"""Shared test setup.

The physical CPU is split into two logical devices before TensorFlow initialises its runtime, so
``tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])`` can run two replicas in any test. Code
that uses no strategy runs on ``/cpu:0`` as usual.
"""

import tensorflow as tf

NUM_LOGICAL_CPUS = 2

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration()] * NUM_LOGICAL_CPUS)


# --------------------------------------------------------------------------------------------
# Helpers shared by several test modules (``from conftest import policy, smoke_config``)

import contextlib  # noqa: E402
import csv  # noqa: E402
import os  # noqa: E402

import keras  # noqa: E402
from absl import flags  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE_CFG = os.path.join(REPO, "configs", "smoke.cfg")


@contextlib.contextmanager
def policy(name):
    """Sets the global Keras dtype policy ``name`` for the block, then restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def smoke_config(**changes):
    """configs/smoke.cfg as a ``tfgan.config.Config``, with changes."""
    from tfgan import flags as tfgan_flags  # pylint: disable=import-outside-toplevel

    flag_values = flags.FlagValues()
    tfgan_flags.define_flags(flag_values)
    flag_values(["train.py", f"--flagfile={SMOKE_CFG}"])
    return tfgan_flags.config_from_flags(flag_values).replace(**changes)


def read_csv(path):
    """The rows of a CSV file with a header, as dicts."""
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def tiny_extractor(image_size=8, channels=1, with_logits=True):
    """A ``tfgan.features.FeatureExtractor`` of a seeded two-dense-layer model: 3 features
    (and 4 logits)."""
    from tfgan import features  # pylint: disable=import-outside-toplevel

    keras.utils.set_random_seed(0)
    inputs = keras.Input((image_size, image_size, channels))
    outputs = keras.layers.Dense(3, name="f")(keras.layers.Flatten()(inputs))
    if with_logits:
        outputs = [outputs, keras.layers.Dense(4)(outputs)]
    return features.FeatureExtractor(keras.Model(inputs, outputs), image_size=image_size,
                                     channels=channels, name="tiny")
