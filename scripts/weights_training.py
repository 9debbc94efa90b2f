"""What the scripts that train tfgan's packaged feature networks share.

``train_mnist_classifier.py`` and ``train_anime_features.py`` train a network in
``mixed_bfloat16`` with Adam on a warm-up-then-cosine schedule, then ship its weights the way
the package loads them: copied into a float32 model without optimizer, saved with
``save_weights``, reloaded through ``tfgan.features`` to measure what ships, and written into
``tfgan/<network>/`` atomically only if good enough. The scripts run from the project root
(``python3 scripts/<script>.py``), so this module is imported as ``weights_training``.
"""

import argparse
import contextlib
import os
import tempfile
from typing import Callable, Iterator


def add_training_arguments(parser: argparse.ArgumentParser, *, output: str,
                           epochs: int) -> None:
    """Adds ``--output --epochs --batch_size --lr --seed --precision`` with these defaults."""
    parser.add_argument("--output", default=output, help="where to write .weights.h5")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--precision", default="mixed_bfloat16",
                        choices=["float32", "mixed_bfloat16"])


def make_deterministic(seed: int) -> None:
    """Seeds Python, NumPy and TensorFlow and makes TensorFlow's ops deterministic."""
    import keras  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def warmup_cosine(peak_lr: float, steps: int):
    """A learning rate rising linearly to ``peak_lr`` over the first 5% of ``steps``, then
    decaying to 0 along a cosine."""
    import keras  # pylint: disable=import-outside-toplevel

    return keras.optimizers.schedules.CosineDecay(
        0.0, steps - steps // 20, warmup_target=peak_lr, warmup_steps=steps // 20)


@contextlib.contextmanager
def shipped_weights(trained, build: Callable, filename: str) -> Iterator[str]:
    """Yields a temporary ``.weights.h5`` of ``trained`` as the package stores it.

    Args:
        trained: the trained model (any dtype policy; its variables are float32).
        build: the architecture, ``build(dtype="float32")`` (e.g.
            ``tfgan.features._build_mnist_classifier``).
        filename: the file name the package uses.
    """
    clean = build(dtype="float32")
    clean.set_weights(trained.get_weights())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, filename)
        clean.save_weights(path)
        yield path


def install(weights_path: str, output: str) -> None:
    """Copies ``weights_path`` to ``output`` atomically (never half a weights file)."""
    from tfgan import _io  # pylint: disable=import-outside-toplevel

    with open(weights_path, "rb") as f:
        _io.atomic_write(output, f.read())
