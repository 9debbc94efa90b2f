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
