"""Is the anime feature network fit to rate GAN samples? FID/KID of real faces vs corrupted ones.

    python benchmarks/anime_features_check.py --data_dir=/work/data/anime/faces

Draws ``2 * --num_samples`` distinct faces (a seeded random sample) from the folder through the
library's own input pipeline (``tfgan.data.image_folder`` at ``--image_size``, as
``bin/evaluate.py`` reads a folder's real images), splits them into two disjoint halves A and
B, and prints FID and KID on the packaged ``tfgan.evaluation.anime_extractor()`` features (or
``--weights``) between A and:

* B itself (real vs real: the floor that a perfect generator would reach at this sample size);
* B horizontally flipped (a change that is not a defect: should stay near the floor);
* B blurred with a Gaussian of sigma 1 and 2 pixels (at the folder's 96 px);
* B with Gaussian pixel noise (std 0.1 in [-1, 1] units, about 13/255);
* B with its hue rotated by 18 degrees (``tf.image.adjust_hue(delta=0.05)``);
* B cut into 3x3 tiles put back in a fixed shuffled order (colours and local texture kept,
  facial structure destroyed).

A feature space in which the corruptions are not far above real vs real cannot tell a blurry or
malformed generator from a good one. ``scripts/train_anime_features.py`` runs the same check
(:func:`check`) on the network it has just trained, before it writes the weights.

Prints a markdown table (comparison, FID, FID / real-vs-real, KID +- std). With
``--floors``, also the real-vs-real floor at the sample sizes a generator is scored with:
2,000, 5,000 and 10,000 faces against 10,000 others (``bin/evaluate.py`` compares
``--num_samples`` generated images, 10,000 by default, with up to 10,000 images of the folder;
``--eval_every`` uses ``--eval_samples``, 2,000 by default): a generator cannot score below it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, List, Optional

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FACES = "/work/data/anime/faces"


def gaussian_blur(images, sigma: float):
    """Gaussian blur of a batch, separable, with reflected borders.

    Args:
        images: float32 ``[B, H, W, C]``.
        sigma: Standard deviation in pixels; the kernel has radius ``ceil(3 sigma)``.

    Returns:
        float32 ``[B, H, W, C]`` tensor.
    """
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    radius = int(np.ceil(3.0 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(np.float32)
    images = tf.convert_to_tensor(images, tf.float32)
    channels = int(images.shape[-1])
    padded = tf.pad(images, [[0, 0], [radius, radius], [radius, radius], [0, 0]], "REFLECT")
    kernel_h = np.tile(taps.reshape(-1, 1, 1, 1), (1, 1, channels, 1))
    kernel_w = np.tile(taps.reshape(1, -1, 1, 1), (1, 1, channels, 1))
    blurred = tf.nn.depthwise_conv2d(padded, kernel_h, [1, 1, 1, 1], "VALID")
    return tf.nn.depthwise_conv2d(blurred, kernel_w, [1, 1, 1, 1], "VALID")


def shuffle_tiles(images: np.ndarray, grid: int = 3, seed: int = 0) -> np.ndarray:
    """Cuts each image into ``grid x grid`` tiles and reassembles them in one fixed shuffled
    order (the same for every image; no tile stays in place).

    Args:
        images: ``[B, H, W, C]`` with H and W divisible by ``grid``.
        grid: Tiles per side.
        seed: Seed of the permutation.

    Returns:
        ``[B, H, W, C]``, same dtype.
    """
    b, h, w, c = images.shape
    th, tw = h // grid, w // grid
    rng = np.random.default_rng(seed)
    while True:
        order = rng.permutation(grid * grid)
        if np.all(order != np.arange(grid * grid)):
            break
    tiles = images.reshape(b, grid, th, grid, tw, c).transpose(0, 1, 3, 2, 4, 5)
    tiles = tiles.reshape(b, grid * grid, th, tw, c)[:, order]
    return (tiles.reshape(b, grid, grid, th, tw, c).transpose(0, 1, 3, 2, 4, 5)
            .reshape(b, h, w, c))


def corruptions() -> Dict[str, Callable[[np.ndarray], np.ndarray]]:
    """The comparisons of :func:`check`: name -> function of float32 images in [-1, 1]."""
    import tensorflow as tf  # pylint: disable=import-outside-toplevel

    def noise(x):
        rng = np.random.default_rng(1)
        return np.clip(x + rng.normal(0.0, 0.1, x.shape).astype(np.float32), -1.0, 1.0)

    def hue(x):
        return tf.image.adjust_hue((tf.convert_to_tensor(x) + 1.0) / 2.0, 0.05).numpy() * 2 - 1

    return {
        "real vs real": lambda x: x,
        "real vs flipped real": lambda x: x[:, :, ::-1],
        "real vs blurred real, sigma 1 px": lambda x: gaussian_blur(x, 1.0).numpy(),
        "real vs blurred real, sigma 2 px": lambda x: gaussian_blur(x, 2.0).numpy(),
        "real vs noisy real, std 0.1": noise,
        "real vs hue-shifted real, 18 deg": hue,
        "real vs 3x3 tile-shuffled real": shuffle_tiles,
    }


def check(extractor, images_a: np.ndarray, images_b: np.ndarray, *, batch_size: int = 500,
          kid_subsets: int = 100, kid_subset_size: int = 1000, seed: int = 0,
          names: Optional[List[str]] = None) -> List[Dict[str, float]]:
    """FID and KID between real images A and (corrupted) real images B.

    Args:
        extractor: A feature extractor (e.g. ``tfgan.evaluation.anime_extractor()``).
        images_a: float32 ``[N, H, W, 3]`` in [-1, 1].
        images_b: float32 ``[M, H, W, 3]`` in [-1, 1], disjoint from A.
        batch_size: Images per extractor call (and per corruption call).
        kid_subsets: KID subsets.
        kid_subset_size: Images per KID subset.
        seed: Seed of the KID subsets.
        names: Subset of :func:`corruptions` to run (default all).

    Returns:
        One dict per comparison: ``name``, ``fid``, ``ratio`` (FID / real-vs-real FID),
        ``kid``, ``kid_std``.
    """
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    features_a, _ = evaluation.compute_activations(extractor, images_a, batch_size=batch_size)
    stats_a = evaluation.ActivationStats.from_activations(features_a)
    rows = []
    for name, corrupt in corruptions().items():
        if names is not None and name not in names:
            continue
        features = np.concatenate([
            evaluation.compute_activations(
                extractor, corrupt(images_b[i:i + batch_size]), batch_size=batch_size)[0]
            for i in range(0, len(images_b), batch_size)])
        mu, sigma = evaluation.activation_statistics(features)
        fid = evaluation.frechet_distance_from_stats(stats_a.mu, stats_a.sigma, mu, sigma)
        kid, kid_std = evaluation.kernel_inception_distance(
            features_a, features, num_subsets=kid_subsets, subset_size=kid_subset_size,
            seed=seed)
        rows.append({"name": name, "fid": fid, "kid": kid, "kid_std": kid_std})
    floor = rows[0]["fid"] if rows and rows[0]["name"] == "real vs real" else None
    for row in rows:
        row["ratio"] = row["fid"] / floor if floor else float("nan")
    return rows


def format_table(rows: List[Dict[str, float]], ratio: bool = True) -> str:
    """The rows of :func:`check` (or :func:`floors`, ``ratio=False``) as a markdown table."""
    if ratio:
        lines = ["| comparison | FID | FID / real-vs-real | KID |",
                 "| --- | ---: | ---: | ---: |"]
    else:
        lines = ["| comparison | FID | KID |", "| --- | ---: | ---: |"]
    for row in rows:
        middle = f" {row['ratio']:.1f} |" if ratio else ""
        lines.append(f"| {row['name']} | {row['fid']:.3f} |{middle} "
                     f"{row['kid']:.4f} ± {row['kid_std']:.4f} |")
    return "\n".join(lines)


def floors(extractor, reference: np.ndarray, others: np.ndarray, sizes=(2000, 5000, 10000),
           *, seed: int = 0) -> List[Dict[str, float]]:
    """Real-vs-real FID and KID of the first ``n`` of ``others`` against ``reference``.

    Args:
        extractor: A feature extractor.
        reference: float32 ``[R, H, W, 3]`` in [-1, 1].
        others: float32 ``[M, H, W, 3]``, disjoint from ``reference``.
        sizes: The ``n`` to measure (clipped to M).
        seed: Seed of the KID subsets.

    Returns:
        One dict per size: ``name``, ``fid``, ``kid``, ``kid_std``.
    """
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    ref = evaluation.compute_activations(extractor, reference, batch_size=500)[0]
    feats = evaluation.compute_activations(extractor, others, batch_size=500)[0]
    rows = []
    for n in sizes:
        n = min(n, len(feats))
        kid, kid_std = evaluation.kernel_inception_distance(ref, feats[:n], seed=seed)
        rows.append({"name": f"real vs real, {n} vs {len(ref)}",
                     "fid": evaluation.frechet_distance(ref, feats[:n]), "kid": kid,
                     "kid_std": kid_std})
    return rows


def load_folder_sample(data_dir: str, num_images: int, image_size: int, seed: int
                       ) -> np.ndarray:
    """``num_images`` distinct images of a folder (seeded random sample) through
    ``tfgan.data.image_folder``.

    Returns:
        float32 ``[num_images, image_size, image_size, 3]`` in [-1, 1].
    """
    from tfgan import data  # pylint: disable=import-outside-toplevel

    index = data.scan_image_folder(data_dir)
    if len(index) < num_images:
        raise ValueError(f"{data_dir} has {len(index)} decodable images; {num_images} needed.")
    # A prefix of one seeded permutation: the first n images do not depend on num_images.
    chosen = np.random.default_rng(seed).permutation(len(index))[:num_images]
    sample = data.ImageFolderIndex(root=index.root, paths=[index.paths[i] for i in chosen],
                                   labels=None, class_names=[], skipped=[])
    batches = data.image_folder(sample, batch_size=500, image_size=image_size, channels=3,
                                shuffle=False, drop_remainder=False)
    return np.concatenate([b.numpy() for b in batches])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data_dir", default=DEFAULT_FACES, help="folder of real faces")
    parser.add_argument("--num_samples", type=int, default=5000, help="images per side")
    parser.add_argument("--image_size", type=int, default=96,
                        help="size the folder is read at (blur sigmas are in these pixels)")
    parser.add_argument("--weights", default=None,
                        help="a .weights.h5 (default: the one shipped in tfgan)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--floors", action="store_true",
                        help="also real vs real at 2,000 / 5,000 / 10,000 vs 10,000 faces")
    args = parser.parse_args(argv)

    sys.path.insert(0, ROOT)
    from tfgan import evaluation  # pylint: disable=import-outside-toplevel

    started = time.time()
    extractor = evaluation.anime_extractor(args.weights)
    total = max(2 * args.num_samples, 20_000 if args.floors else 0)
    images = load_folder_sample(args.data_dir, total, args.image_size, args.seed)
    loaded = time.time() - started
    rows = check(extractor, images[:args.num_samples],
                 images[args.num_samples:2 * args.num_samples], seed=args.seed)
    print(f"{args.num_samples} vs {args.num_samples} disjoint faces of {args.data_dir} at "
          f"{args.image_size} px, anime features ({extractor.feature_dim}-d), "
          f"weights {args.weights or evaluation.anime_features_weights_path()}; "
          f"{loaded:.0f} s to read, {time.time() - started - loaded:.0f} s to measure\n")
    print(format_table(rows))
    if args.floors:
        print("\nThe real-vs-real floor by sample size (a seeded sample of 10,000 faces as "
              "the reference, the first n of 10,000 others):\n")
        print(format_table(floors(extractor, images[:10_000], images[10_000:20_000],
                                  seed=args.seed), ratio=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
