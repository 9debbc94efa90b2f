"""Trains the anime-face feature network whose weights ship with tfgan (anime FID / KID).

The weights in ``tfgan/anime_features/anime_features.weights.h5`` (2.6 MB, float32) were made
from the project root with::

    TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 taskset -c 1 \
        python3 scripts/train_anime_features.py

(defaults: ``--faces /work/data/anime/faces --labels /work/data/anime/preprocessed/label.csv
--epochs 8 --batch_size 128 --lr 2e-3 --seed 0 --precision mixed_bfloat16 --holdout 2000
--clean_fraction 0.5``; run on one core shared with other jobs: 11.0 CPU minutes of training,
12.8 CPU minutes in all, 29 minutes of wall-clock time at about 45% of the core; the run behind
the shipped file also passed ``--output`` (a scratch path, then copied) and
``--min_hair_accuracy 0.3``, as the default thresholds were set after it). It printed::

    held-out accuracy (2000 faces): hair 0.6440, eye 0.6955, rotation 0.9920, quality 0.9460
    (most frequent class: hair 0.242, eye 0.192; rotation and quality 0.25)

    FID/KID check, 5000 vs 5000 disjoint faces at 96 px (seed 1):
    | comparison | FID | FID / real-vs-real | KID |
    | real vs real | 0.148 | 1.0 | 0.0005 ± 0.0022 |
    | real vs flipped real | 0.166 | 1.1 | 0.0006 ± 0.0022 |
    | real vs blurred real, sigma 1 px | 9.546 | 64.3 | 0.3256 ± 0.0084 |
    | real vs blurred real, sigma 2 px | 54.967 | 370.5 | 1.9963 ± 0.0246 |
    | real vs noisy real, std 0.1 | 23.819 | 160.6 | 0.8503 ± 0.0148 |
    | real vs hue-shifted real, 18 deg | 2.912 | 19.6 | 0.0553 ± 0.0055 |
    | real vs 3x3 tile-shuffled real | 23.717 | 159.9 | 0.6106 ± 0.0126 |
    memorisation check (2000 vs 2000): FID(train, train) 0.384, FID(train, held-out) 0.384

(sha256 of the file: b2da6c8de02868caa81561b173ae144bd5c49a2e145b7b2d305f3fe57e0a241c. The
8-epoch run was not repeated, but two runs of ``--epochs 1 --check_samples 1000
--min_hair_accuracy 0 --min_blur_ratio 0`` wrote byte-identical files, sha256 0f93c5abd000ff
b97464676025f5bdd5945e571332ef6ca497bfaa6397bbe0ae; other CPUs, thread counts or TensorFlow
versions may differ in the last bits.) The
held-out colour accuracies are modest because the labels are noisy and partly ambiguous (e.g.
brown vs black vs red hair on small faces); they are not the point: the check is. Blur and
noise are what the quality head was trained on (resampling blur rather than Gaussian blur,
and at 64 px), so their rows show that the features carry that information and how strongly;
the hue and tile-shuffle rows test properties that no task was trained on directly. What the
quality head adds, the same check after 2 epochs (about 3 CPU minutes) of each::

    FID / real-vs-real         blur 1 px  blur 2 px  noise  hue 18 deg  tiles  (hair, eye acc.)
    colour + rotation heads        2.6       11.4     1.3      20.7     142.4  (0.46, 0.63)
      ... + quality head         116.3      573.1    23.0      17.7     160.1  (0.43, 0.61)

(``--epochs 2 --no_quality`` and ``--epochs 2``): without it the features barely notice blur
and noise, so they could not tell a blurry generator from a sharp one.

The architecture is ``tfgan.features._build_anime_features_net``; this script only trains
it:

* data: every ``<id>.jpg`` of ``--faces`` (33,431 96x96 faces), decoded with TensorFlow as
  ``tfgan.data.image_folder`` does and resized to 64x64 exactly as
  ``tfgan.evaluation.anime_extractor`` resizes (bilinear, antialiased, in [-1, 1]); hair and
  eye colours from ``--labels`` (``label.csv``: id, 12 one-hot hair colours, 11 one-hot eye
  colours; rows whose hair or eye part is not exactly one-hot give no label for that head);
* held out: ``--holdout`` faces drawn (seeded) among those with exactly one hair and one eye
  colour are never trained on, not even for the rotation task; they give the accuracies;
* three heads on the 128 features, one loss each, summed: hair colour and eye colour
  (cross-entropy over the labelled faces of a batch) and a self-supervised rotation head
  (every face is rotated by 0, 90, 180 or 270 degrees, chosen at random, and the head names
  the rotation) so the features must encode facial structure, not only colours; faces are
  also flipped horizontally at random (a mirrored face is as good a face). No colour
  augmentation: the features must see colours;
* Adam with a linear warm-up (5% of the steps) and cosine decay of the learning rate, fixed
  seeds (numpy draws every batch, flip and rotation) and
  ``tf.config.experimental.enable_op_determinism()``;
* ``mixed_bfloat16`` compute for speed (AMX-BF16); the variables stay float32. They are copied
  into a float32 model without optimizer whose weights alone are saved (``save_weights``),
  then reloaded with ``tfgan.evaluation.anime_features_model`` / ``anime_extractor`` to
  measure what ships: the held-out accuracies and the FID/KID check of
  ``benchmarks/anime_features_check.py`` (two disjoint sets of ``--check_samples`` faces,
  real vs real, vs blurred, noisy, hue-shifted and tile-shuffled real).

The script refuses to write weights whose held-out hair accuracy is below
``--min_hair_accuracy`` or whose FID of sigma-1 blurred faces is less than
``--min_blur_ratio`` times the real-vs-real FID.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time

import numpy as np

import weights_training

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FACES = "/work/data/anime/faces"
DEFAULT_LABELS = "/work/data/anime/preprocessed/label.csv"
DEFAULT_OUTPUT = os.path.join(ROOT, "tfgan", "anime_features", "anime_features.weights.h5")
NUM_HAIR, NUM_EYE = 12, 11


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", default=DEFAULT_FACES, help="folder of <id>.jpg faces")
    parser.add_argument("--labels", default=DEFAULT_LABELS, help="label.csv (see docstring)")
    weights_training.add_training_arguments(parser, output=DEFAULT_OUTPUT, epochs=8)
    parser.add_argument("--holdout", type=int, default=2000,
                        help="labelled faces never trained on (accuracies)")
    parser.add_argument("--colour_weight", type=float, default=1.0,
                        help="weight of each colour loss (the rotation loss has weight 1)")
    parser.add_argument("--no_rotation", action="store_true",
                        help="no rotation task (an ablation)")
    parser.add_argument("--no_quality", action="store_true",
                        help="no image-quality task (an ablation)")
    parser.add_argument("--clean_fraction", type=float, default=0.5,
                        help="share of training faces left undegraded for the quality task")
    parser.add_argument("--check_samples", type=int, default=5000,
                        help="faces per side of the FID/KID check")
    parser.add_argument("--min_hair_accuracy", type=float, default=0.6,
                        help="do not write weights below this held-out hair accuracy")
    parser.add_argument("--min_blur_ratio", type=float, default=10.0,
                        help="do not write weights whose FID(real, blurred sigma 1) is below "
                             "this multiple of FID(real, real)")
    return parser.parse_args(argv)


def load_faces(faces_dir: str):
    """All ``<id>.jpg`` of ``faces_dir``, by id.

    Returns:
        ``(ids int64 [N], images uint8 [N, 96, 96, 3])``.
    """
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    names = [n for n in os.listdir(faces_dir) if n.endswith(".jpg") and n[:-4].isdigit()]
    if not names:
        raise FileNotFoundError(f"no <id>.jpg faces in {faces_dir} (--faces)")
    ids = np.array(sorted(int(n[:-4]) for n in names), np.int64)
    paths = [os.path.join(faces_dir, f"{i}.jpg") for i in ids]
    ds = tf.data.Dataset.from_tensor_slices(paths).map(
        lambda p: tf.ensure_shape(
            tf.io.decode_image(tf.io.read_file(p), channels=3, expand_animations=False),
            [96, 96, 3]),
        num_parallel_calls=tf.data.AUTOTUNE, deterministic=True).batch(1000)
    return ids, np.concatenate([b.numpy() for b in ds])


def load_labels(path: str, ids: np.ndarray):
    """Hair and eye colour labels aligned with ``ids`` (-1: none, or not exactly one-hot).

    Returns:
        ``(hair int32 [N], eye int32 [N])``.
    """
    position = {int(i): n for n, i in enumerate(ids)}
    hair = np.full(len(ids), -1, np.int32)
    eye = np.full(len(ids), -1, np.int32)
    with open(path) as f:
        for row in csv.reader(f):
            if len(row) != 1 + NUM_HAIR + NUM_EYE:
                raise ValueError(f"{path}: expected {1 + NUM_HAIR + NUM_EYE} columns, got "
                                 f"{len(row)}")
            n = position.get(int(row[0]))
            if n is None:
                continue
            onehot = np.array(row[1:], np.int32)
            if onehot[:NUM_HAIR].sum() == 1:
                hair[n] = int(np.argmax(onehot[:NUM_HAIR]))
            if onehot[NUM_HAIR:].sum() == 1:
                eye[n] = int(np.argmax(onehot[NUM_HAIR:]))
    return hair, eye


def to_model_input(images_u8: np.ndarray, size: int, batch: int = 1000) -> np.ndarray:
    """uint8 ``[N, 96, 96, 3]`` -> float32 ``[N, size, size, 3]`` in [-1, 1], resized as
    ``tfgan.evaluation.FeatureExtractor`` resizes."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    out = np.empty((len(images_u8), size, size, 3), np.float32)
    for i in range(0, len(images_u8), batch):
        x = tf.cast(images_u8[i:i + batch], tf.float32) / 127.5 - 1.0
        out[i:i + batch] = tf.image.resize(x, (size, size), method="bilinear",
                                           antialias=True).numpy()
    return out


def degrade(images: np.ndarray, rng: np.random.Generator, clean_fraction: float):
    """The quality task's degradations, at the network's input size.

    Each image is left clean (probability ``clean_fraction``) or, with equal probabilities,
    gets a mild resampling blur (bilinear antialiased downsampling by a factor 1.25-2 and
    bilinear upsampling back), a strong one (factor 2-4) or Gaussian noise (std 0.02-0.15 in
    [-1, 1] units, clipped). One factor per class and batch, one noise std per image.

    Args:
        images: float32 ``[B, S, S, 3]`` in [-1, 1] (modified in place).
        rng: The numpy generator.
        clean_fraction: Share of clean images.

    Returns:
        ``(images, quality int32 [B])``, quality indexing
        ``tfgan.evaluation.ANIME_QUALITY_CLASSES``.
    """
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    size = images.shape[1]
    other = (1.0 - clean_fraction) / 3.0
    quality = rng.choice(4, len(images), p=[clean_fraction, other, other, other]).astype(
        np.int32)
    for cls, low, high in ((1, 1.25, 2.0), (2, 2.0, 4.0)):
        chosen = quality == cls
        if chosen.any():
            small = int(round(size / rng.uniform(low, high)))
            down = tf.image.resize(images[chosen], (small, small), method="bilinear",
                                   antialias=True)
            images[chosen] = tf.image.resize(down, (size, size), method="bilinear").numpy()
    chosen = quality == 3
    if chosen.any():
        std = rng.uniform(0.02, 0.15, (int(chosen.sum()), 1, 1, 1)).astype(np.float32)
        noise = rng.standard_normal(images[chosen].shape).astype(np.float32) * std
        images[chosen] = np.clip(images[chosen] + noise, -1.0, 1.0)
    return images, quality


def augment(images: np.ndarray, rng: np.random.Generator, rotate: bool):
    """Random horizontal flips and (``rotate``) rotations by k * 90 degrees.

    Returns:
        ``(images [B, H, W, 3], k int32 [B])``.
    """
    flip = rng.random(len(images)) < 0.5
    images = np.where(flip[:, None, None, None], images[:, :, ::-1], images)
    k = rng.integers(0, 4, len(images)).astype(np.int32) if rotate else np.zeros(
        len(images), np.int32)
    for quarter in range(1, 4):
        chosen = k == quarter
        if chosen.any():
            images[chosen] = np.rot90(images[chosen], quarter, axes=(1, 2))
    return np.ascontiguousarray(images), k


def main(argv=None) -> int:
    """Trains, evaluates and (if fit for purpose) writes the weights; returns the exit code."""
    args = parse_args(argv)
    import keras  # pylint: disable=import-outside-toplevel
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    import anime_features_check  # pylint: disable=import-outside-toplevel

    from tfgan import evaluation  # pylint: disable=import-outside-toplevel
    from tfgan import features  # pylint: disable=import-outside-toplevel

    weights_training.make_deterministic(args.seed)
    started = time.time()
    ids, faces = load_faces(args.faces)
    hair, eye = load_labels(args.labels, ids)
    size = features._ANIME_IMAGE_SIZE  # pylint: disable=protected-access
    inputs = to_model_input(faces, size)
    rng = np.random.default_rng(args.seed)
    both = np.flatnonzero((hair >= 0) & (eye >= 0))
    heldout = np.sort(rng.choice(both, args.holdout, replace=False))
    train = np.setdiff1d(np.arange(len(ids)), heldout)
    print(f"{len(ids)} faces from {args.faces} ({time.time() - started:.0f} s); "
          f"{len(train)} for training ({int((hair[train] >= 0).sum())} with a hair colour, "
          f"{int((eye[train] >= 0).sum())} with an eye colour), {len(heldout)} held out",
          flush=True)

    keras.config.set_dtype_policy(args.precision)
    model = features._build_anime_features_net()  # pylint: disable=protected-access
    steps_per_epoch = len(train) // args.batch_size
    steps = steps_per_epoch * args.epochs
    optimizer = keras.optimizers.Adam(weights_training.warmup_cosine(args.lr, steps))
    optimizer.build(model.trainable_variables)
    rotation_weight = 0.0 if args.no_rotation else 1.0
    quality_weight = 0.0 if args.no_quality else 1.0

    def masked_ce(labels, logits):
        mask = tf.cast(labels >= 0, tf.float32)
        ce = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.maximum(labels, 0), logits)
        return tf.reduce_sum(ce * mask) / tf.maximum(tf.reduce_sum(mask), 1.0)

    @tf.function(jit_compile=False)
    def train_step(x, hair_labels, eye_labels, rotations, quality):
        with tf.GradientTape() as tape:
            hair_logits, eye_logits, rotation_logits, quality_logits = [
                tf.cast(o, tf.float32) for o in model(x, training=True)]
            hair_loss = masked_ce(hair_labels, hair_logits)
            eye_loss = masked_ce(eye_labels, eye_logits)
            rotation_loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(rotations, rotation_logits))
            quality_loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(quality, quality_logits))
            loss = (args.colour_weight * (hair_loss + eye_loss)
                    + rotation_weight * rotation_loss + quality_weight * quality_loss)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return hair_loss, eye_loss, rotation_loss, quality_loss

    train_started = time.time()
    cpu_started = time.process_time()
    for epoch in range(args.epochs):
        order = rng.permutation(train)
        sums = np.zeros(4)
        for step in range(steps_per_epoch):
            batch = np.sort(order[step * args.batch_size:(step + 1) * args.batch_size])
            x, k = augment(inputs[batch], rng, rotate=not args.no_rotation)
            if args.no_quality:
                q = np.zeros(len(batch), np.int32)
            else:
                x, q = degrade(x, rng, args.clean_fraction)
            sums += [float(v) for v in train_step(x, hair[batch], eye[batch], k, q)]
        sums /= steps_per_epoch
        print(f"epoch {epoch + 1}/{args.epochs}: hair loss {sums[0]:.3f}, eye loss "
              f"{sums[1]:.3f}, rotation loss {sums[2]:.3f}, quality loss {sums[3]:.3f} "
              f"({time.time() - train_started:.0f} s, "
              f"{time.process_time() - cpu_started:.0f} CPU s)", flush=True)
    train_minutes = (time.time() - train_started) / 60
    cpu_minutes = (time.process_time() - cpu_started) / 60
    print(f"trained {args.epochs} epochs ({steps} steps) in {train_minutes:.1f} min "
          f"({cpu_minutes:.1f} CPU min)")
    keras.config.set_dtype_policy("float32")

    # Copy the (float32) variables into a float32 model without optimizer, save its weights
    # only, reload them as the package does and measure what ships.
    with weights_training.shipped_weights(
            model, features._build_anime_features_net,  # pylint: disable=protected-access
            evaluation.ANIME_FEATURES_WEIGHTS_FILE) as tmp_path:
        network = evaluation.anime_features_model(tmp_path)
        x = inputs[heldout]
        hair_logits, eye_logits, _, _ = network.predict(x, batch_size=500, verbose=0)
        hair_accuracy = float(np.mean(np.argmax(hair_logits, 1) == hair[heldout]))
        eye_accuracy = float(np.mean(np.argmax(eye_logits, 1) == eye[heldout]))
        rotated = [network.predict(np.ascontiguousarray(np.rot90(x, k, axes=(1, 2))),
                                   batch_size=500, verbose=0)[2] for k in range(4)]
        rotation_accuracy = float(np.mean([np.mean(np.argmax(r, 1) == k)
                                           for k, r in enumerate(rotated)]))
        degraded, quality = degrade(x.copy(), np.random.default_rng(args.seed + 3),
                                    clean_fraction=0.25)
        quality_logits = network.predict(degraded, batch_size=500, verbose=0)[3]
        quality_accuracy = float(np.mean(np.argmax(quality_logits, 1) == quality))
        print(f"held-out accuracy ({len(heldout)} faces): hair {hair_accuracy:.4f}, eye "
              f"{eye_accuracy:.4f}, rotation {rotation_accuracy:.4f}, quality "
              f"{quality_accuracy:.4f} (chance: "
              f"{np.bincount(hair[train][hair[train] >= 0]).max() / (hair[train] >= 0).sum():.3f}"
              f", {np.bincount(eye[train][eye[train] >= 0]).max() / (eye[train] >= 0).sum():.3f}"
              f", 0.25 and 0.25 for the most frequent class)")

        extractor = evaluation.anime_extractor(tmp_path)
        chosen = np.random.default_rng(args.seed + 1).choice(
            len(ids), 2 * args.check_samples, replace=False)
        real = faces[chosen].astype(np.float32) / 127.5 - 1.0
        rows = anime_features_check.check(extractor, real[:args.check_samples],
                                          real[args.check_samples:], seed=args.seed)
        print(f"\nFID/KID check, {args.check_samples} vs {args.check_samples} disjoint faces "
              f"at 96 px (seed {args.seed + 1}):\n" + anime_features_check.format_table(rows))
        # Memorisation check: held-out faces vs training faces, as training vs training.
        n = len(heldout)
        labelled = np.intersect1d(train, both)  # the held-out faces' population
        pool = np.random.default_rng(args.seed + 2).permutation(labelled)[:2 * n]
        feats = lambda idx: evaluation.compute_activations(  # noqa: E731
            extractor, faces[idx].astype(np.float32) / 127.5 - 1.0, batch_size=500)[0]
        reference, other_train, held = feats(pool[:n]), feats(pool[n:]), feats(heldout)
        print(f"memorisation check ({n} vs {n}): FID(train, train) "
              f"{evaluation.frechet_distance(reference, other_train):.3f}, FID(train, held-out)"
              f" {evaluation.frechet_distance(reference, held):.3f}")
        blur_ratio = next(r["ratio"] for r in rows if r["name"].endswith("sigma 1 px"))
        refusals = []
        if hair_accuracy < args.min_hair_accuracy:
            refusals.append(f"held-out hair accuracy {hair_accuracy:.4f} is below "
                            f"--min_hair_accuracy={args.min_hair_accuracy}")
        if blur_ratio < args.min_blur_ratio:
            refusals.append(f"FID(real, blurred sigma 1) is only {blur_ratio:.1f} times the "
                            f"real-vs-real FID (--min_blur_ratio={args.min_blur_ratio})")
        if refusals:
            print("not writing " + args.output + ": " + "; ".join(refusals), file=sys.stderr)
            return 1
        weights_training.install(tmp_path, args.output)
    print(f"wrote {args.output} ({os.path.getsize(args.output)} bytes); "
          f"{(time.time() - started) / 60:.1f} min in all ({time.process_time() / 60:.1f} CPU "
          f"min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
