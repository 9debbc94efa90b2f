"""Sample quality of a generator: FID, KID and the Inception score against real images.

Loss curves do not say whether a GAN draws good images. This module measures it the way GAN
papers do, on the activations of a fixed feature network. It is the public face of three
modules: the metrics are pure functions of activations (``tfgan.metrics``), the feature
networks turn images into activations (``tfgan.features``), and this module runs a network over
data and generators (below). Every public name of the other two is available here too.

Running. :func:`compute_activations` feeds images in batches from a numpy array or tensor, a
``tf.data.Dataset`` or a sampling function ``sample_fn(n) -> images``. :func:`activation_stats`
keeps the real side's features with their mean and covariance (:class:`ActivationStats`, which
can be saved to and loaded from ``.npz``), and :func:`evaluate_generator` returns FID, KID and
Inception score of a generator against real data (or against such cached statistics) in one
call::

    from tfgan import evaluation
    extractor = evaluation.mnist_extractor()
    real = evaluation.activation_stats(extractor, test_images, num_samples=10_000)  # once
    metrics = evaluation.evaluate_generator(lambda n: gan.generate(n), real, extractor)
    # {'fid': ..., 'kid': ..., 'kid_std': ..., 'inception_score': ..., ...}

Numbers from different extractors, or from different sample sizes (FID is biased upwards for
small samples), are not comparable with each other.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from typing import Dict, Optional, Tuple

import numpy as np
import tensorflow as tf

from tfgan import _checks
from tfgan import _io
from tfgan.features import (ANIME_EYE_COLOURS, ANIME_FEATURES_WEIGHTS_FILE,
                            ANIME_HAIR_COLOURS, ANIME_QUALITY_CLASSES, INCEPTION_V3_WEIGHTS_FILE,
                            MNIST_CLASSIFIER_WEIGHTS_FILE, FeatureExtractor,
                            WeightsUnavailableError, anime_extractor, anime_features_model,
                            anime_features_weights_path, class_accuracy_applies, get_extractor,
                            inception_v3_extractor, mnist_classifier,
                            mnist_classifier_weights_path, mnist_extractor)
from tfgan.metrics import (activation_statistics, class_accuracy, frechet_distance,
                           frechet_distance_from_stats, inception_score,
                           kernel_inception_distance)

__all__ = [
    "ANIME_EYE_COLOURS",
    "ANIME_FEATURES_WEIGHTS_FILE",
    "ANIME_HAIR_COLOURS",
    "ANIME_QUALITY_CLASSES",
    "ActivationStats",
    "FeatureExtractor",
    "INCEPTION_V3_WEIGHTS_FILE",
    "MNIST_CLASSIFIER_WEIGHTS_FILE",
    "WeightsUnavailableError",
    "activation_statistics",
    "activation_stats",
    "class_accuracy",
    "class_accuracy_applies",
    "anime_extractor",
    "anime_features_model",
    "anime_features_weights_path",
    "compute_activations",
    "evaluate_generator",
    "frechet_distance",
    "frechet_distance_from_stats",
    "get_extractor",
    "inception_score",
    "inception_v3_extractor",
    "kernel_inception_distance",
    "mnist_classifier",
    "mnist_classifier_weights_path",
    "mnist_extractor",
]

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ActivationStats:
    """Features of one image set with their float64 mean and covariance.

    Compute it once for the real data (:func:`activation_stats`) and pass it to
    :func:`evaluate_generator` in place of the images, so evaluating every N training steps does
    not recompute the real side. ``save``/``load`` keep it in an ``.npz`` between runs.

    Attributes:
        features: float32 ``[N, F]`` (kept for KID).
        logits: float32 ``[N, K]`` or None.
        mu: float64 ``[F]``.
        sigma: float64 ``[F, F]``.
    """

    features: np.ndarray
    logits: Optional[np.ndarray]
    mu: np.ndarray
    sigma: np.ndarray

    @classmethod
    def from_activations(cls, features, logits=None) -> "ActivationStats":
        """Statistics of ``features [N, F]`` (and optional ``logits [N, K]``)."""
        features = np.asarray(features, np.float32)
        mu, sigma = activation_statistics(features)
        return cls(features=features, logits=None if logits is None else np.asarray(logits),
                   mu=mu, sigma=sigma)

    @property
    def num_samples(self) -> int:
        """N."""
        return int(self.features.shape[0])

    def save(self, path: str) -> None:
        """Writes the statistics to ``path`` (``.npz``, uncompressed), creating its folder.

        The file is written beside ``path`` and renamed into place, so an existing file is
        replaced only by a complete one.
        """
        arrays = {"features": self.features, "mu": self.mu, "sigma": self.sigma}
        if self.logits is not None:
            arrays["logits"] = self.logits
        with _io.atomic_path(os.fspath(path)) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)

    @classmethod
    def load(cls, path: str) -> "ActivationStats":
        """Reads statistics written by :meth:`save`."""
        with np.load(path) as f:
            return cls(features=f["features"], logits=f["logits"] if "logits" in f else None,
                       mu=f["mu"], sigma=f["sigma"])


def _check_count(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    return _checks.positive_int(name, value)


def _first_component(element):
    """Images of a dataset element: the element, ``element[0]`` or ``element["images"]``."""
    if isinstance(element, dict):
        return element["images"] if "images" in element else element["image"]
    if isinstance(element, (tuple, list)):
        return element[0]
    return element


def _batches(source, num_samples: Optional[int], batch_size: int):
    """Yields image batches (at most ``num_samples`` images in all)."""
    if isinstance(source, tf.data.Dataset):
        spec = _first_component(source.element_spec)
        if spec.shape.rank is not None and spec.shape.rank <= 3 and not (
                spec.shape.rank == 3 and spec.shape[-1] not in (1, 3)):
            source = source.batch(batch_size)  # unbatched images [H, W, C] (or [H, W])
        if num_samples is None and source.cardinality() == tf.data.INFINITE_CARDINALITY:
            raise ValueError("num_samples is required for an infinite (repeated) dataset.")
        remaining = num_samples
        for element in source:
            images = _first_component(element)
            if remaining is not None:
                images = images[:remaining]
                remaining -= int(images.shape[0])
            yield images
            if remaining is not None and remaining <= 0:
                return
    elif callable(source):
        if num_samples is None:
            raise ValueError("num_samples is required when sampling from a function.")
        remaining = num_samples
        while remaining > 0:
            wanted = min(batch_size, remaining)
            images = source(wanted)
            if int(images.shape[0]) < wanted:
                raise ValueError(f"The sampling function returned {images.shape[0]} images when "
                                 f"asked for {wanted}.")
            remaining -= wanted
            yield images[:wanted]
    else:
        if not isinstance(source, (np.ndarray, tf.Tensor)):
            source = np.asarray(source)
        total = int(source.shape[0])
        if num_samples is not None:
            total = min(total, num_samples)
        for start in range(0, total, batch_size):
            yield source[start:min(start + batch_size, total)]


def compute_activations(extractor, source, num_samples: Optional[int] = None,
                        batch_size: int = 100) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Runs a feature extractor over images in batches.

    Args:
        extractor: A callable ``images -> (features, logits)`` (e.g. :func:`mnist_extractor`),
            or a name for :func:`get_extractor`.
        source: Images as one of
            * a numpy array or tensor ``[N, H, W, C]`` (or ``[N, H, W]``): float in [-1, 1] or
              uint8 in [0, 255];
            * a ``tf.data.Dataset`` of such batches, or of ``(images, labels)`` tuples or
              ``{"images": ...}`` dicts (unbatched images are batched by ``batch_size``);
            * a sampling function ``sample_fn(n) -> images [n, H, W, C]``, called with at most
              ``batch_size`` (e.g. ``lambda n: gan.generate(n)``).
        num_samples: Images to use: required for a sampling function or a repeated dataset;
            for arrays and finite datasets the first ``num_samples`` (all when None or when
            there are fewer).
        batch_size: Images per extractor call for arrays and sampling functions (datasets keep
            their own batches).

    Returns:
        ``(features, logits)``: float32 numpy arrays ``[N, F]`` and ``[N, K]`` (logits None if
        the extractor gives none).

    Raises:
        ValueError: No images, or a missing ``num_samples``.
    """
    extractor = get_extractor(extractor)
    num_samples = _check_count("num_samples", num_samples, allow_none=True)
    batch_size = _check_count("batch_size", batch_size)
    features, logits = [], []
    for images in _batches(source, num_samples, batch_size):
        batch_features, batch_logits = extractor(images)
        features.append(np.asarray(batch_features, np.float32))
        if batch_logits is not None:
            logits.append(np.asarray(batch_logits, np.float32))
    if not features:
        raise ValueError("No images to compute activations of.")
    features = np.concatenate(features)
    if num_samples is not None and features.shape[0] < num_samples:
        logger.warning("Only %d images were available (num_samples=%d).", features.shape[0],
                       num_samples)
    return features, (np.concatenate(logits) if logits else None)


def activation_stats(extractor, source, num_samples: Optional[int] = None,
                     batch_size: int = 100) -> ActivationStats:
    """Features, logits, mean and covariance of a set of images (e.g. the real side, cached).

    Args:
        extractor: As in :func:`compute_activations`.
        source: As in :func:`compute_activations`.
        num_samples: As in :func:`compute_activations`.
        batch_size: As in :func:`compute_activations`.

    Returns:
        An :class:`ActivationStats`.
    """
    return ActivationStats.from_activations(
        *compute_activations(extractor, source, num_samples=num_samples, batch_size=batch_size))


def evaluate_generator(sample_fn, real, extractor, *, num_samples: int = 10_000,
                       batch_size: int = 100, kid_subsets: int = 100,
                       kid_subset_size: int = 1000, inception_score_splits: int = 10,
                       seed: Optional[int] = 0, labels=None) -> Dict[str, float]:
    """FID, KID and Inception score of generated images against real ones.

    Args:
        sample_fn: ``sample_fn(n) -> float32 images [n, H, W, C] in [-1, 1]``, e.g.
            ``lambda n: gan.generate(n)`` (a conditional GAN: ``lambda n: gan.generate(n,
            labels=np.arange(n) % num_classes)``); anything :func:`compute_activations` accepts
            also works (e.g. an array of samples).
        real: Real images (array, tensor or dataset; see :func:`compute_activations`; at most
            ``num_samples`` are used), or an :class:`ActivationStats` computed once with the
            same extractor by :func:`activation_stats`.
        extractor: A feature extractor callable, or "mnist" / "anime" / "inception_v3".
        num_samples: Generated images to draw (and real images to use, when ``real`` is not
            cached). 10,000 is the usual choice; FID grows as the sample shrinks.
        batch_size: Images per generator / extractor call.
        kid_subsets: Number of KID subsets.
        kid_subset_size: Images per KID subset (clipped to the sample sizes).
        inception_score_splits: Inception score splits (clipped to ``num_samples``).
        seed: Seed of the KID subsets (the generator's randomness is ``sample_fn``'s own).
        labels: optional ``[num_samples]`` ints, the class each generated image was asked for,
            in the order ``sample_fn`` returns them (see ``tfgan.sampling.balanced_labels``).
            With an extractor that gives logits of the same classes (see
            :func:`class_accuracy_applies`) this adds ``class_accuracy``.

    Returns:
        A dict of Python floats ``fid``, ``kid``, ``kid_std``, ``inception_score`` and
        ``inception_score_std`` (the last two only when the extractor gives logits),
        ``class_accuracy`` (with ``labels`` and logits), and ints ``num_samples``,
        ``num_real_samples``.
    """
    extractor = get_extractor(extractor)
    num_samples = _check_count("num_samples", num_samples)
    if isinstance(real, ActivationStats):
        real_stats = real
    else:
        real_stats = activation_stats(extractor, real, num_samples=num_samples,
                                      batch_size=batch_size)
    features, logits = compute_activations(extractor, sample_fn, num_samples=num_samples,
                                           batch_size=batch_size)
    if features.shape[1] != real_stats.features.shape[1]:
        raise ValueError(f"The generated images have {features.shape[1]} features but the real "
                         f"statistics {real_stats.features.shape[1]}: was it computed with "
                         f"another extractor?")
    mu, sigma = activation_statistics(features)
    kid, kid_std = kernel_inception_distance(features, real_stats.features,
                                             num_subsets=kid_subsets,
                                             subset_size=kid_subset_size, seed=seed)
    metrics = {
        "fid": frechet_distance_from_stats(mu, sigma, real_stats.mu, real_stats.sigma),
        "kid": kid,
        "kid_std": kid_std,
    }
    if logits is not None:
        score, score_std = inception_score(
            logits, splits=min(_check_count("inception_score_splits", inception_score_splits),
                               logits.shape[0]))
        metrics.update(inception_score=score, inception_score_std=score_std)
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (logits.shape[0],):
                raise ValueError(f"labels must have shape [num_samples] = [{logits.shape[0]}], "
                                 f"got {labels.shape}.")
            metrics["class_accuracy"] = class_accuracy(logits, labels)
    metrics.update(num_samples=int(features.shape[0]), num_real_samples=real_stats.num_samples)
    return metrics
