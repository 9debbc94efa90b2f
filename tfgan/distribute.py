"""Distribution strategies by name, the mixed-precision policy, and who is the chief.

::

    set_precision("mixed_bfloat16")      # before any network is built
    strategy = get_strategy("auto")      # TPU, several GPUs, one GPU or the CPU
    with strategy.scope():
        gan = ...                        # networks, optimizers, checkpoint
    if is_chief(strategy):
        ...                              # write samples, logs, exports

Strategy names (``STRATEGIES``):

``auto``
    A TPU if one is configured (``TPU_NAME`` set, or a TPU VM's ``/dev/accel*`` devices), else
    ``mirrored`` over all GPUs when there are several, ``one_device`` on the GPU when there is
    one, and the default (no-op) strategy on the CPU.
``default``
    ``tf.distribute.get_strategy()``: no distribution, whatever devices exist.
``one_device``
    ``OneDeviceStrategy`` on ``/gpu:0`` if there is a GPU, else ``/cpu:0``.
``mirrored``
    ``MirroredStrategy`` over all local GPUs (the CPU when there are none).
``multi_worker``
    ``MultiWorkerMirroredStrategy`` configured from the ``TF_CONFIG`` environment variable.
``tpu``
    ``TPUStrategy`` on the TPU named by ``TPU_NAME`` (or the local TPU VM).
"""

import glob
import json
import os

import keras
import tensorflow as tf

from tfgan import _checks
from tfgan import names

STRATEGIES = names.STRATEGIES
PRECISIONS = names.PRECISIONS


def _tpu_configured() -> bool:
    return bool(os.environ.get("TPU_NAME")) or bool(glob.glob("/dev/accel*"))


def _tpu_strategy():
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(
        tpu=os.environ.get("TPU_NAME", "local"))
    tf.config.experimental_connect_to_cluster(resolver)
    tf.tpu.experimental.initialize_tpu_system(resolver)
    return tf.distribute.TPUStrategy(resolver)


def get_strategy(name: str = "auto") -> tf.distribute.Strategy:
    """Returns the ``tf.distribute.Strategy`` called ``name`` (see the module docstring).

    Args:
        name: one of ``STRATEGIES``.

    Raises:
        ValueError: for an unknown name.
    """
    _checks.one_of("strategy", name, STRATEGIES)
    if name == "auto":
        if _tpu_configured():
            return _tpu_strategy()
        gpus = tf.config.list_logical_devices("GPU")
        if len(gpus) > 1:
            return tf.distribute.MirroredStrategy()
        if len(gpus) == 1:
            return tf.distribute.OneDeviceStrategy("/gpu:0")
        return tf.distribute.get_strategy()
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        device = "/gpu:0" if tf.config.list_logical_devices("GPU") else "/cpu:0"
        return tf.distribute.OneDeviceStrategy(device)
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return _tpu_strategy()


def set_precision(policy: str = "float32") -> None:
    """Sets Keras' global dtype policy; call it before building any network.

    Args:
        policy: ``"float32"``, ``"mixed_float16"`` (GPUs; ``tfgan.GAN`` adds loss scaling) or
            ``"mixed_bfloat16"`` (TPUs and CPUs with AMX/AVX512-BF16).

    Raises:
        ValueError: for an unknown policy.
    """
    _checks.one_of("mixed_precision", policy, PRECISIONS)
    keras.mixed_precision.set_global_policy(policy)


def _task(strategy):
    """``(task_type, task_id, cluster_spec_dict)`` of this process, or Nones."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is not None:
        try:
            spec = resolver.cluster_spec().as_dict()
        except Exception:  # pylint: disable=broad-except
            spec = {}
        return resolver.task_type, resolver.task_id, spec
    tf_config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
    task = tf_config.get("task", {})
    return task.get("type"), task.get("index"), tf_config.get("cluster", {})


def is_chief(strategy=None) -> bool:
    """Whether this process should write checkpoints, logs, samples and exports.

    True without a cluster (one machine, any number of devices) and on TPUs (one client).
    In a multi-worker cluster: the task of type ``chief``, or worker 0 when the cluster has no
    chief.

    Args:
        strategy: the strategy in use (default: the current one).
    """
    strategy = strategy or tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.TPUStrategy):
        return True
    task_type, task_id, cluster = _task(strategy)
    if not task_type:
        return True
    if task_type == "chief":
        return True
    if task_type == "worker":
        return "chief" not in cluster and (task_id or 0) == 0
    return False


def worker_id(strategy=None) -> int:
    """This task's index (0 without a cluster); used to name non-chief scratch directories."""
    _, task_id, _ = _task(strategy or tf.distribute.get_strategy())
    return int(task_id or 0)


def chief_decides(strategy):
    """``decide(flag) -> the chief's flag`` for a multi-worker cluster, else None.

    Every worker must call ``decide`` at the same points (it is an all-reduce); the chief's
    argument is returned on all of them, e.g. so that every worker joins a checkpoint save
    only the chief's evaluation called for.

    Args:
        strategy: the strategy in use.
    """
    if not is_multi_worker(strategy):
        return None
    chief = is_chief(strategy)

    @tf.function
    def total(vote):
        votes = strategy.run(lambda: tf.identity(vote))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, votes, axis=None)

    def decide(flag: bool) -> bool:
        return float(total(tf.constant(1.0 if chief and flag else 0.0))) > 0

    return decide


def is_multi_worker(strategy) -> bool:
    """Whether ``strategy`` is a ``MultiWorkerMirroredStrategy`` (where reading a distributed
    variable, e.g. a metric, is a collective every worker must join)."""
    return isinstance(strategy, (tf.distribute.MultiWorkerMirroredStrategy,
                                 tf.distribute.experimental.MultiWorkerMirroredStrategy))


def logs_for_reduction(logs, strategy):
    """A train or test step's scalar ``logs``, with a unit axis under a multi-worker strategy.

    Keras 3 reduces ``fit``'s per-replica logs under ``MultiWorkerMirroredStrategy`` with
    ``strategy.reduce("MEAN", value, axis=0)``, which fails on scalars ("Invalid reduction
    dimension 0 for input with 0 dimensions", tensorflow/tensorflow#72388), so the step
    returns them with a unit axis and ``with_scalar_logs`` squeezes it after the reduction.
    """
    if not is_multi_worker(strategy):
        return logs
    return {name: tf.reshape(value, [1]) for name, value in logs.items()}


def with_scalar_logs(function, strategy):
    """Wraps a train/test ``function`` to undo ``logs_for_reduction``'s unit axis."""
    if not is_multi_worker(strategy):
        return function

    def scalar_logs_function(iterator):
        return {name: tf.reshape(value, []) for name, value in function(iterator).items()}

    return scalar_logs_function


def replica_context():
    """``(num_replicas, replica_id)`` of the current replica (``(1, 0)`` outside one)."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None:  # cross-replica context
        return 1, 0
    return ctx.num_replicas_in_sync, ctx.replica_id_in_sync_group


def global_draw(sampler, batch_size: int, shape, seed):
    """Draws for the global batch and returns this replica's ``batch_size`` rows.

    Every replica draws the same global sample from the shared seed stream, so the noise a
    training example sees does not depend on how many replicas the batch is split over.

    Args:
        sampler: e.g. ``keras.random.normal``; called as ``sampler(shape, seed=seed)``.
        batch_size: the per-replica batch size.
        shape: the shape of one draw (without the batch axis).
        seed: a ``keras.random.SeedGenerator`` shared by the replicas.
    """
    num_replicas, _ = replica_context()
    values = sampler((batch_size * num_replicas,) + tuple(shape), seed=seed)
    return replica_slice(values, batch_size)


def replica_slice(values, batch_size: int):
    """This replica's ``batch_size`` rows of ``values`` drawn for the global batch."""
    num_replicas, replica_id = replica_context()
    if num_replicas == 1:
        return values
    start = replica_id * batch_size
    return values[start:start + batch_size]
