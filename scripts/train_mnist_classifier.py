"""Trains the MNIST classifier whose weights ship with tfgan (MNIST FID / MNIST score).

The weights in ``tfgan/mnist_classifier/mnist_classifier.weights.h5`` were made from the project
root with::

    python3 scripts/train_mnist_classifier.py

(defaults: ``--data ../shared/data/mnist/mnist.npz --epochs 6 --batch_size 128 --lr 2e-3
--seed 0 --precision mixed_bfloat16``; about 10 minutes on 2 shared CPU cores). It printed::

    test accuracy 0.9953 (47 errors of 10000); MNIST score of the test split 9.781 +- 0.085

and a second run reproduced the file byte for byte (sha256 4f7cd4007c7ce2348a83213ff1803ee0
c4ef877bc57e9876e93a77503646be65; other CPUs, thread counts or TensorFlow versions may differ
in the last bits).

The architecture is
``tfgan.features._build_mnist_classifier``; this script only trains it:

* data: the 60,000 training digits of ``mnist.npz`` (``keras.datasets.mnist`` layout), scaled
  to [-1, 1]; the 10,000 test digits are used only for the final report, never for selection;
* light augmentation so generated digits that are slightly off-centre, rotated or thicker are
  still read correctly: random shifts up to 2 pixels, rotations up to about 10 degrees and
  zoom up to 10% (background filled with -1);
* Adam with a linear warm-up (5% of the steps) and cosine decay of the learning rate, plain
  cross-entropy (no label smoothing: it would cap the classifier's confidence and with it the
  MNIST score of real digits), fixed seeds and ``tf.config.experimental.enable_op_determinism()``;
* ``mixed_bfloat16`` compute for speed (AMX-BF16); the variables stay float32. They are copied
  into a float32 model without optimizer whose weights alone are saved (``save_weights``, 1.9 MB),
  then reloaded with ``tfgan.evaluation.mnist_classifier`` to measure what ships: the test
  accuracy and the MNIST score of the test split.

The script refuses to write weights whose test accuracy is below ``--min_accuracy`` (0.99).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import weights_training

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "mnist", "mnist.npz")
DEFAULT_OUTPUT = os.path.join(ROOT, "tfgan", "mnist_classifier", "mnist_classifier.weights.h5")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=DEFAULT_DATA,
                        help="mnist.npz in the keras.datasets.mnist layout")
    weights_training.add_training_arguments(parser, output=DEFAULT_OUTPUT, epochs=6)
    parser.add_argument("--no_augment", action="store_true", help="train without augmentation")
    parser.add_argument("--min_accuracy", type=float, default=0.99,
                        help="do not write weights below this test accuracy")
    return parser.parse_args(argv)


def load_mnist(path):
    """``((x_train, y_train), (x_test, y_test))`` from a ``keras.datasets.mnist``-layout npz."""
    with np.load(path) as f:
        return ((f["x_train"], f["y_train"].astype(np.int32)),
                (f["x_test"], f["y_test"].astype(np.int32)))


def main(argv=None) -> int:
    """Trains, evaluates and (if accurate enough) writes the weights; returns the exit code."""
    args = parse_args(argv)
    import keras
    import tensorflow as tf

    from tfgan import evaluation
    from tfgan import features

    weights_training.make_deterministic(args.seed)
    (x_train, y_train), (x_test, y_test) = load_mnist(args.data)
    print(f"train {x_train.shape}, test {x_test.shape} from {args.data}")

    augment = keras.Sequential([
        keras.layers.RandomTranslation(2 / 28, 2 / 28, fill_mode="constant", fill_value=-1.0,
                                       seed=args.seed),
        keras.layers.RandomRotation(10 / 360, fill_mode="constant", fill_value=-1.0,
                                    seed=args.seed + 1),
        keras.layers.RandomZoom(0.1, fill_mode="constant", fill_value=-1.0, seed=args.seed + 2),
    ], name="augment")

    def scale(images, labels):
        images = tf.cast(images, tf.float32)[..., tf.newaxis] / 127.5 - 1.0
        return images, labels

    train = (tf.data.Dataset.from_tensor_slices((x_train, y_train))
             .shuffle(len(x_train), seed=args.seed, reshuffle_each_iteration=True)
             .batch(args.batch_size, drop_remainder=True)
             .map(scale))
    if not args.no_augment:
        train = train.map(lambda x, y: (augment(x, training=True), y))
    train = train.prefetch(tf.data.AUTOTUNE)
    steps = (len(x_train) // args.batch_size) * args.epochs

    keras.config.set_dtype_policy(args.precision)
    model = features._build_mnist_classifier()
    model.compile(
        optimizer=keras.optimizers.Adam(weights_training.warmup_cosine(args.lr, steps)),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"])
    start = time.time()
    model.fit(train, epochs=args.epochs, verbose=2)
    print(f"trained {args.epochs} epochs in {time.time() - start:.0f} s")
    keras.config.set_dtype_policy("float32")

    # Copy the (float32) variables into a float32 model without optimizer, save its weights
    # only, reload them as the package does and measure what ships.
    with weights_training.shipped_weights(model, features._build_mnist_classifier,
                                          evaluation.MNIST_CLASSIFIER_WEIGHTS_FILE) as tmp_path:
        classifier = evaluation.mnist_classifier(tmp_path)
        test_images = x_test[..., np.newaxis].astype(np.float32) / 127.5 - 1.0
        logits = classifier.predict(test_images, batch_size=500, verbose=0)
        accuracy = float(np.mean(np.argmax(logits, axis=1) == y_test))
        score, score_std = evaluation.inception_score(logits, splits=10)
        print(f"test accuracy {accuracy:.4f} ({int(round((1 - accuracy) * len(y_test)))} "
              f"errors of {len(y_test)}); MNIST score of the test split {score:.3f} "
              f"+- {score_std:.3f}")
        if accuracy < args.min_accuracy:
            print(f"test accuracy below --min_accuracy={args.min_accuracy}: not writing "
                  f"{args.output}", file=sys.stderr)
            return 1
        weights_training.install(tmp_path, args.output)
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
