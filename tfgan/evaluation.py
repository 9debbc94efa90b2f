"""Sample quality: Fréchet distance (FID), kernel inception distance (KID) and Inception score.

Loss curves do not say whether a GAN draws good images. This module measures it the way GAN
papers do, on the activations of a fixed feature network:

* **Fréchet distance** (FID when the features come from InceptionV3) between Gaussians fitted to
  the real and the generated features::

      FD = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1^1/2 S2 S1^1/2)^1/2)

  computed in float64; the matrix square root comes from symmetric eigendecompositions (no scipy),
  so the trace term is the sum of the square roots of the (clipped) eigenvalues of
  ``S1^1/2 S2 S1^1/2`` and is real and stable even for singular covariances.
* **Kernel inception distance** (KID, Bińkowski et al. 2018): the unbiased estimator of the squared
  MMD with the polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random subsets
  (mean and standard deviation). Unlike FID it has no bias that depends on the sample size, so
  it compares runs evaluated on different numbers of samples.
* **Inception score** (Salimans et al. 2016) ``exp(E_x KL(p(y|x) || p(y)))`` from classifier
  logits, over ``splits`` chunks (mean and standard deviation). Between 1 and the number of
  classes; higher is better. With the MNIST classifier below this is the "MNIST score".
* **Class accuracy** of a conditional generator: the fraction of samples the classifier assigns
  to the class they were generated for (``argmax`` of the logits equals the requested label).
  Only meaningful when the classifier's classes are the generator's: the MNIST classifier and
  a 10-class MNIST generator (:func:`class_accuracy_applies`); pass the requested ``labels``
  to :func:`evaluate_generator`. Chance level is ``1 / num_classes``.

Feature extractors. Everything that turns images into features follows one contract: a callable
mapping a float32 image batch ``[B, H, W, C]`` in [-1, 1] to ``(features [B, F], logits [B, K])``
(``logits`` may be None: no Inception score then). :class:`FeatureExtractor` wraps a Keras model
into one (resizing and grey/RGB conversion included, run in a ``tf.function`` in inference mode
and always in float32, whatever the global mixed-precision policy). Three are built in:

* :func:`mnist_extractor` -- a small CNN trained on the MNIST training split and shipped inside
  the package (``tfgan/mnist_classifier/mnist_classifier.weights.h5``, reproduced by
  ``scripts/train_mnist_classifier.py``). Its 128-unit penultimate layer gives "MNIST FID"
  features and its 10 logits the "MNIST score", as TF-GAN's MNIST evaluation does. Works offline.
* :func:`anime_extractor` -- a small CNN trained on 33,431 96x96 anime faces and shipped inside
  the package (``tfgan/anime_features/anime_features.weights.h5``, reproduced by
  ``scripts/train_anime_features.py``): 128 features, no logits, for RGB images of any size
  (resized to 64x64). Trained on hair colour, eye colour, the rotation of a face and whether
  it was blurred or noised, so FID/KID on it respond to colours, facial structure and
  sharpness (``benchmarks/anime_features_check.py`` measures that). Works offline; the default
  (``"auto"``) for RGB images in ``bin/evaluate.py`` and ``--eval_every``.
* :func:`inception_v3_extractor` -- ``keras.applications.InceptionV3`` with ImageNet weights:
  2048 pool features and 1000 logits, images resized to 299x299. The weights (92 MB) must be
  downloadable or already in ``~/.keras/models``; offline without them a
  :class:`WeightsUnavailableError` says what to do.

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

import contextlib
import dataclasses
import importlib.resources
import logging
import os
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import keras
import numpy as np
import tensorflow as tf

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

#: File name of the packaged MNIST classifier weights, inside ``tfgan/mnist_classifier/``.
MNIST_CLASSIFIER_WEIGHTS_FILE = "mnist_classifier.weights.h5"
_MNIST_CLASSIFIER_DIR = "mnist_classifier"
_MNIST_IMAGE_SIZE = 28
_MNIST_NUM_CLASSES = 10
_MNIST_FEATURES_LAYER = "features"

#: File name of the packaged anime-face feature network weights, inside ``tfgan/anime_features/``.
ANIME_FEATURES_WEIGHTS_FILE = "anime_features.weights.h5"
_ANIME_FEATURES_DIR = "anime_features"
_ANIME_IMAGE_SIZE = 64
_ANIME_FEATURES_LAYER = "features"
#: Hair and eye colour names of the anime network's heads, in logit order (label.csv order).
ANIME_HAIR_COLOURS = ("orange", "white", "aqua", "gray", "green", "red", "purple", "pink",
                      "blue", "black", "brown", "blonde")
ANIME_EYE_COLOURS = ("gray", "black", "orange", "pink", "yellow", "aqua", "purple", "green",
                     "brown", "red", "blue")

#: File name under which Keras caches the InceptionV3 ImageNet weights (``~/.keras/models/``).
INCEPTION_V3_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
_INCEPTION_V3_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                             "inception_v3/" + INCEPTION_V3_WEIGHTS_FILE)
_INCEPTION_V3_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"
_INCEPTION_IMAGE_SIZE = 299
_LUMA_WEIGHTS = np.array([0.2989, 0.5870, 0.1140], np.float32) / np.float32(0.9999)


class WeightsUnavailableError(RuntimeError):
    """The weights of a feature network can be neither found locally nor downloaded."""


# --------------------------------------------------------------------------------------------
# Statistics (numpy, float64)
# --------------------------------------------------------------------------------------------


def _as_activations(acts, name: str) -> np.ndarray:
    acts = np.asarray(acts, dtype=np.float64)
    if acts.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [num_samples, num_features], got shape "
                         f"{acts.shape}.")
    if acts.shape[0] < 2:
        raise ValueError(f"{name} needs at least 2 samples, got {acts.shape[0]}.")
    if not np.all(np.isfinite(acts)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return acts


def activation_statistics(acts) -> Tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of activations, in float64.

    Args:
        acts: ``[N, F]`` activations (N >= 2).

    Returns:
        ``(mu, sigma)``: float64 mean ``[F]`` and unbiased (``ddof=1``) covariance ``[F, F]``.
    """
    acts = _as_activations(acts, "acts")
    return acts.mean(axis=0), np.cov(acts, rowvar=False, ddof=1).reshape(
        acts.shape[1], acts.shape[1])


def _sqrtm_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues
    from rounding are clipped to zero)."""
    eigenvalues, eigenvectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T


def _trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """``tr((sigma1 sigma2)^1/2) = tr((S1^1/2 S2 S1^1/2)^1/2)`` for PSD ``sigma1``, ``sigma2``."""
    sqrt_sigma1 = _sqrtm_psd(sigma1)
    inner = sqrt_sigma1 @ sigma2 @ sqrt_sigma1
    eigenvalues = np.linalg.eigvalsh((inner + inner.T) / 2.0)
    return float(np.sqrt(np.clip(eigenvalues, 0.0, None)).sum())


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2) -> float:
    """Fréchet distance between the Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``|mu1 - mu2|^2 + tr(sigma1) + tr(sigma2) - 2 tr((sigma1^1/2 sigma2 sigma1^1/2)^1/2)``,
    in float64 with eigendecomposition square roots (see the module docstring).

    Args:
        mu1: Mean ``[F]``.
        sigma1: Covariance ``[F, F]`` (symmetric positive semi-definite).
        mu2: Mean ``[F]``.
        sigma2: Covariance ``[F, F]``.

    Returns:
        The distance, a Python float >= 0 (tiny negative rounding results are clipped to 0).

    Raises:
        ValueError: Shapes do not match or values are not finite.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    sigma1, sigma2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.ndim != 1 or mu1.shape != mu2.shape:
        raise ValueError(f"mu1 and mu2 must be vectors of the same length, got shapes "
                         f"{mu1.shape} and {mu2.shape}.")
    expected = (mu1.shape[0], mu1.shape[0])
    if sigma1.shape != expected or sigma2.shape != expected:
        raise ValueError(f"sigma1 and sigma2 must have shape {expected}, got {sigma1.shape} and "
                         f"{sigma2.shape}.")
    for name, value in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name} contains NaN or infinite values.")
    diff = mu1 - mu2
    distance = (diff @ diff + np.trace(sigma1) + np.trace(sigma2)
                - 2.0 * _trace_sqrt_product(sigma1, sigma2))
    return max(float(distance), 0.0)


def frechet_distance(acts1, acts2) -> float:
    """Fréchet distance between Gaussians fitted to two sets of activations (FID on Inception
    features).

    Args:
        acts1: ``[N1, F]`` activations, e.g. of real images.
        acts2: ``[N2, F]`` activations, e.g. of generated images.

    Returns:
        The distance, a Python float >= 0.
    """
    acts1, acts2 = _as_activations(acts1, "acts1"), _as_activations(acts2, "acts2")
    if acts1.shape[1] != acts2.shape[1]:
        raise ValueError(f"acts1 and acts2 must have the same number of features, got "
                         f"{acts1.shape[1]} and {acts2.shape[1]}.")
    return frechet_distance_from_stats(*activation_statistics(acts1),
                                       *activation_statistics(acts2))


def _polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``(x.y / d + 1)^3`` for rows of ``x`` ``[n, d]`` and ``y`` ``[m, d]`` -> ``[n, m]``."""
    k = x @ y.T / x.shape[1] + 1.0
    return k * k * k  # several times faster than k ** 3


def _mmd2_unbiased(kxx: np.ndarray, kyy: np.ndarray, kxy: np.ndarray) -> float:
    m = kxx.shape[0]
    sum_xx = kxx.sum() - np.trace(kxx)
    sum_yy = kyy.sum() - np.trace(kyy)
    return float(sum_xx / (m * (m - 1)) + sum_yy / (m * (m - 1)) - 2.0 * kxy.sum() / (m * m))


def kernel_inception_distance(acts1, acts2, num_subsets: int = 100, subset_size: int = 1000,
                              seed: Optional[int] = 0) -> Tuple[float, float]:
    """Kernel inception distance: unbiased squared MMD with a cubic polynomial kernel.

    For each of ``num_subsets`` subsets, ``subset_size`` rows are drawn without replacement from
    each set and the unbiased estimator

        ``sum_{i!=j} k(x_i, x_j) / (m(m-1)) + sum_{i!=j} k(y_i, y_j) / (m(m-1))
        - 2 sum_{i,j} k(x_i, y_j) / m^2``

    with ``k(x, y) = (x.y / d + 1)^3`` is evaluated (float64). Its expectation is 0 when both
    sets come from the same distribution, so single values can be slightly negative.

    Args:
        acts1: ``[N1, F]`` activations.
        acts2: ``[N2, F]`` activations.
        num_subsets: Number of random subsets.
        subset_size: Rows per subset and set; clipped to ``min(N1, N2)`` (at least 2).
        seed: Seed of the subset draws (None: fresh randomness).

    Returns:
        ``(mean, std)`` of the estimates over the subsets, Python floats. ``std`` is NaN
        (unavailable) when both sets are smaller than a subset: every subset is then the whole
        of both sets, so the estimates cannot differ.
    """
    acts1, acts2 = _as_activations(acts1, "acts1"), _as_activations(acts2, "acts2")
    if acts1.shape[1] != acts2.shape[1]:
        raise ValueError(f"acts1 and acts2 must have the same number of features, got "
                         f"{acts1.shape[1]} and {acts2.shape[1]}.")
    if isinstance(num_subsets, bool) or int(num_subsets) != num_subsets or num_subsets < 1:
        raise ValueError(f"num_subsets must be a positive integer, got {num_subsets!r}.")
    if isinstance(subset_size, bool) or int(subset_size) != subset_size or subset_size < 2:
        raise ValueError(f"subset_size must be an integer >= 2, got {subset_size!r}.")
    m = min(int(subset_size), acts1.shape[0], acts2.shape[0])
    rng = np.random.default_rng(seed)
    estimates = np.empty(int(num_subsets), np.float64)
    for i in range(int(num_subsets)):
        x = acts1[rng.choice(acts1.shape[0], m, replace=False)]
        y = acts2[rng.choice(acts2.shape[0], m, replace=False)]
        estimates[i] = _mmd2_unbiased(_polynomial_kernel(x, x), _polynomial_kernel(y, y),
                                      _polynomial_kernel(x, y))
    if m == acts1.shape[0] and m == acts2.shape[0]:
        return float(estimates.mean()), float("nan")
    return float(estimates.mean()), float(estimates.std())


def _log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def inception_score(logits, splits: int = 10) -> Tuple[float, float]:
    """Inception score ``exp(E_x KL(p(y|x) || p(y)))`` from classifier logits.

    The samples are cut into ``splits`` contiguous chunks (``np.array_split``); in each, ``p(y)``
    is the mean of the softmax predictions ``p(y|x)`` (float64) and the score is
    ``exp(mean_x sum_y p(y|x) (log p(y|x) - log p(y)))``.

    Args:
        logits: ``[N, K]`` unnormalised log-probabilities (N >= splits).
        splits: Number of chunks.

    Returns:
        ``(mean, std)`` of the per-split scores, Python floats in [1, K].
    """
    logits = np.asarray(logits, np.float64)
    if logits.ndim != 2:
        raise ValueError(f"logits must be a 2-D array [num_samples, num_classes], got shape "
                         f"{logits.shape}.")
    if not np.all(np.isfinite(logits)):
        raise ValueError("logits contains NaN or infinite values.")
    if isinstance(splits, bool) or int(splits) != splits or splits < 1:
        raise ValueError(f"splits must be a positive integer, got {splits!r}.")
    if logits.shape[0] < splits:
        raise ValueError(f"Need at least splits={splits} samples, got {logits.shape[0]}.")
    scores = []
    for part in np.array_split(_log_softmax(logits), int(splits)):
        probs = np.exp(part)
        log_marginal = np.log(probs.mean(axis=0))
        kl = (probs * (part - log_marginal)).sum(axis=1).mean()
        scores.append(np.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


def class_accuracy(logits, labels) -> float:
    """Fraction of samples whose most likely class is their requested label.

    Args:
        logits: ``[N, K]`` classifier logits of generated images.
        labels: ``[N]`` ints in ``[0, K)``: the class each image was generated for.

    Returns:
        A Python float in [0, 1].

    Raises:
        ValueError: mismatched lengths, or labels outside ``[0, K)``.
    """
    logits = np.asarray(logits)
    labels = np.asarray(labels)
    if logits.ndim != 2 or labels.ndim != 1 or logits.shape[0] != labels.shape[0]:
        raise ValueError(f"class_accuracy needs logits [N, K] and labels [N], got shapes "
                         f"{logits.shape} and {labels.shape}.")
    if labels.size == 0:
        raise ValueError("class_accuracy needs at least one sample.")
    if labels.min() < 0 or labels.max() >= logits.shape[1]:
        raise ValueError(f"labels must lie in [0, {logits.shape[1]}) (the classifier's "
                         f"classes), got values from {labels.min()} to {labels.max()}.")
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def class_accuracy_applies(extractor_name: str, num_classes: Optional[int]) -> bool:
    """Whether a generator's class accuracy can be measured with this extractor.

    True for a conditional generator of the MNIST classifier's 10 classes scored by it
    (``extractor_name == "mnist"``); ImageNet classes (InceptionV3) or other label sets are
    not the generator's classes.
    """
    return extractor_name == "mnist" and num_classes == _MNIST_NUM_CLASSES


# --------------------------------------------------------------------------------------------
# Feature extractors
# --------------------------------------------------------------------------------------------


def _as_image_batch(images) -> tf.Tensor:
    """float32 ``[B, H, W, C]`` from float images in [-1, 1] or uint8 images in [0, 255];
    ``[B, H, W]`` gets a channel axis."""
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        images = tf.cast(images, tf.float32) / 127.5 - 1.0
    elif images.dtype != tf.float32:
        images = tf.cast(images, tf.float32)
    if images.shape.rank == 3:
        images = images[..., tf.newaxis]
    if images.shape.rank != 4:
        raise ValueError(f"Images must be [batch, height, width, channels] (or [batch, height, "
                         f"width] for grey), got shape {tuple(images.shape)}.")
    return images


class FeatureExtractor:
    """A Keras model as a feature extractor: images in [-1, 1] -> ``(features, logits)``.

    Calling it on a float32 batch ``[B, H, W, C]`` in [-1, 1] (or uint8 in [0, 255], or
    ``[B, H, W]``) converts RGB to grey or grey to RGB as the model needs, resizes bilinearly
    (with antialiasing) to the model's input size, runs the model in inference mode inside a
    ``tf.function`` and returns float32 tensors ``features [B, F]`` and ``logits [B, K]`` (None
    when the model has a single output).

    Any other callable with this contract works wherever an extractor is expected.

    Attributes:
        model: The wrapped model; its output is ``features`` or ``[features, logits]``. Its
            input must take ``[B, image_size[0], image_size[1], channels]`` in [-1, 1].
        image_size: ``(height, width)`` the images are resized to.
        channels: 1 or 3, the channels the model expects.
        name: A short name for logs.
    """

    def __init__(self, model: keras.Model, *, image_size: Sequence[int], channels: int,
                 name: str = "extractor"):
        """Wraps ``model``.

        Args:
            model: A Keras model returning ``features`` or ``(features, logits)``.
            image_size: ``(height, width)`` of the model input, or an int for square inputs.
            channels: 1 (grey) or 3 (RGB) model input channels.
            name: A short name for logs.
        """
        if isinstance(image_size, int):
            image_size = (image_size, image_size)
        self.image_size = tuple(int(s) for s in image_size)
        if len(self.image_size) != 2 or min(self.image_size) < 1:
            raise ValueError(f"image_size must be (height, width), got {image_size!r}.")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}.")
        self.model = model
        self.channels = int(channels)
        self.name = name
        self._functions = {}  # one tf.function per (H, W, C) of the input, any batch size

    def _preprocess(self, images: tf.Tensor) -> tf.Tensor:
        channels = images.shape[-1]
        if channels != self.channels:
            if channels == 3 and self.channels == 1:
                # ITU-R 601 luma weights (as tf.image.rgb_to_grayscale) normalised to sum to
                # exactly 1, so that -1 and 1 stay -1 and 1.
                images = tf.reduce_sum(images * _LUMA_WEIGHTS, axis=-1, keepdims=True)
            elif channels == 1 and self.channels == 3:
                images = tf.tile(images, [1, 1, 1, 3])
            else:
                raise ValueError(f"{self.name} takes images with 1 or 3 channels, got "
                                 f"{channels}.")
        if tuple(images.shape[1:3]) != self.image_size:
            images = tf.image.resize(images, self.image_size, method="bilinear", antialias=True)
        return images

    def _forward_eager(self, images: tf.Tensor):
        outputs = self.model(self._preprocess(images), training=False)
        if isinstance(outputs, (list, tuple)):
            features, logits = outputs
            return tf.cast(features, tf.float32), tf.cast(logits, tf.float32)
        return tf.cast(outputs, tf.float32), None

    def __call__(self, images) -> Tuple[tf.Tensor, Optional[tf.Tensor]]:
        """Features (and logits) of an image batch.

        Args:
            images: float ``[B, H, W, C]`` in [-1, 1], uint8 in [0, 255], or ``[B, H, W]``.

        Returns:
            ``(features, logits)``: float32 ``[B, F]`` and ``[B, K]`` (or None).
        """
        images = _as_image_batch(images)
        key = tuple(images.shape[1:])
        if key not in self._functions:
            if None in key:
                raise ValueError(f"Image height, width and channels must be known, got shape "
                                 f"{tuple(images.shape)}.")
            self._functions[key] = tf.function(
                self._forward_eager,
                input_signature=[tf.TensorSpec((None,) + key, tf.float32)])
        return self._functions[key](images)

    @property
    def feature_dim(self) -> int:
        """F, the number of features."""
        outputs = self.model.outputs
        return int(outputs[0].shape[-1])

    @property
    def num_classes(self) -> Optional[int]:
        """K, the number of logits, or None without logits."""
        outputs = self.model.outputs
        return int(outputs[1].shape[-1]) if len(outputs) > 1 else None

    def __repr__(self) -> str:
        return (f"FeatureExtractor(name={self.name!r}, image_size={self.image_size}, "
                f"channels={self.channels}, features={self.feature_dim}, "
                f"logits={self.num_classes})")


@contextlib.contextmanager
def _float32_policy():
    """Builds models in float32 whatever the global (e.g. mixed-precision) policy; restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _build_mnist_classifier(dtype=None) -> keras.Model:
    """The MNIST classifier's architecture (random weights).

    conv3x3(32)-BN-ReLU x2, max-pool, conv3x3(64)-BN-ReLU x2, max-pool, flatten, dropout 0.25,
    dense 128-BN-ReLU (the ReLU is the layer named ``"features"``), dropout 0.5, dense 10
    (``"logits"``). The batch normalisation of the dense layer keeps its units from dying (without
    it, a third of them never fired), so all 128 features carry information.

    Args:
        dtype: Keras dtype policy of every layer; None: the global policy (the training script
            uses ``mixed_bfloat16``), ``"float32"`` for evaluation.

    Returns:
        A functional ``keras.Model`` from ``[B, 28, 28, 1]`` images in [-1, 1] to ``[B, 10]``
        logits.
    """
    def conv_bn_relu(x, filters, index):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, dtype=dtype,
                                name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(dtype=dtype, name=f"bn{index}")(x)
        return keras.layers.ReLU(dtype=dtype, name=f"relu{index}")(x)

    inputs = keras.Input((_MNIST_IMAGE_SIZE, _MNIST_IMAGE_SIZE, 1), name="images")
    x = conv_bn_relu(inputs, 32, 1)
    x = conv_bn_relu(x, 32, 2)
    x = keras.layers.MaxPooling2D(dtype=dtype, name="pool1")(x)
    x = conv_bn_relu(x, 64, 3)
    x = conv_bn_relu(x, 64, 4)
    x = keras.layers.MaxPooling2D(dtype=dtype, name="pool2")(x)
    x = keras.layers.Flatten(dtype=dtype, name="flatten")(x)
    x = keras.layers.Dropout(0.25, dtype=dtype, name="dropout1")(x)
    x = keras.layers.Dense(128, use_bias=False, dtype=dtype, name="dense")(x)
    x = keras.layers.BatchNormalization(dtype=dtype, name="bn5")(x)
    x = keras.layers.ReLU(dtype=dtype, name=_MNIST_FEATURES_LAYER)(x)
    x = keras.layers.Dropout(0.5, dtype=dtype, name="dropout2")(x)
    logits = keras.layers.Dense(_MNIST_NUM_CLASSES, dtype=dtype, name="logits")(x)
    return keras.Model(inputs, logits, name="mnist_classifier")


def mnist_classifier_weights_path() -> str:
    """Path of the MNIST classifier weights shipped in the package.

    Returns:
        ``.../tfgan/mnist_classifier/mnist_classifier.weights.h5`` (it may be missing in a
        broken install; :func:`mnist_classifier` checks).
    """
    return os.fspath(importlib.resources.files("tfgan") / _MNIST_CLASSIFIER_DIR
                     / MNIST_CLASSIFIER_WEIGHTS_FILE)


def mnist_classifier(weights_path: Optional[str] = None) -> keras.Model:
    """The packaged MNIST classifier, in float32 and frozen.

    Trained by ``scripts/train_mnist_classifier.py`` on the 60,000 training digits; see
    ``docs/evaluation.md`` for its test accuracy.

    Args:
        weights_path: A ``.weights.h5`` file for :func:`_build_mnist_classifier`'s
            architecture; None: the weights shipped in the package.

    Returns:
        A ``keras.Model`` from ``[B, 28, 28, 1]`` float32 images in [-1, 1] to ``[B, 10]``
        logits; the penultimate layer is ``model.get_layer("features")`` (128 units).

    Raises:
        FileNotFoundError: The weights file is missing.
    """
    path = os.fspath(weights_path) if weights_path is not None else mnist_classifier_weights_path()
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"MNIST classifier weights not found at {path}. They ship with tfgan "
            f"(tfgan/{_MNIST_CLASSIFIER_DIR}/{MNIST_CLASSIFIER_WEIGHTS_FILE}); reinstall the "
            f"package or rebuild them with scripts/train_mnist_classifier.py.")
    with _float32_policy():
        model = _build_mnist_classifier(dtype="float32")
    model.load_weights(path)
    model.trainable = False
    return model


def mnist_extractor(weights_path: Optional[str] = None) -> FeatureExtractor:
    """"MNIST FID" features and "MNIST score" logits from the packaged classifier.

    Images of any size are resized to 28x28 (e.g. the 32x32 MNIST of the seed code) and RGB is
    converted to grey.

    Args:
        weights_path: Optional weights file; None: the packaged weights.

    Returns:
        A :class:`FeatureExtractor` giving 128 penultimate (post-ReLU) features and 10 logits.
    """
    classifier = mnist_classifier(weights_path)
    with _float32_policy():
        model = keras.Model(
            classifier.inputs,
            [classifier.get_layer(_MNIST_FEATURES_LAYER).output, classifier.outputs[0]],
            name="mnist_extractor")
    return FeatureExtractor(model, image_size=_MNIST_IMAGE_SIZE, channels=1, name="mnist")


# The anime network's convolutions: (filters, stride) of each conv3x3-BN-ReLU block.
_ANIME_CONV_BLOCKS = ((32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (256, 2))
_ANIME_FEATURE_DIM = 128
#: Rotation classes of the anime network's self-supervised head: 0, 90, 180, 270 degrees.
_ANIME_ROTATIONS = 4
#: Classes of the anime network's self-supervised image-quality head.
ANIME_QUALITY_CLASSES = ("clean", "mild resampling blur", "strong resampling blur", "noise")


def _build_anime_features_net(dtype=None) -> keras.Model:
    """The anime-face feature network's architecture (random weights).

    Seven conv3x3-BN-ReLU blocks on ``[B, 64, 64, 3]`` images in [-1, 1] with (filters,
    stride) ``(32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (256, 2)`` (64 -> 4 px),
    global average pooling, dense 128-BN-ReLU (the ReLU is the layer named ``"features"``) and
    four linear heads on the features: ``"hair"`` (12 hair colours, ``ANIME_HAIR_COLOURS``),
    ``"eye"`` (11 eye colours, ``ANIME_EYE_COLOURS``), ``"rotation"`` (4 classes: the face was
    rotated by 0, 90, 180 or 270 degrees, a self-supervised task that makes the features
    depend on facial structure, not only on colour) and ``"quality"`` (4 classes,
    ``ANIME_QUALITY_CLASSES``: clean, mildly or strongly blurred by resampling, or noisy; a
    self-supervised task that makes them depend on sharpness). Trained by
    ``scripts/train_anime_features.py``.

    Args:
        dtype: Keras dtype policy of every layer; None: the global policy (the training script
            uses ``mixed_bfloat16``), ``"float32"`` for evaluation.

    Returns:
        A functional ``keras.Model`` from ``[B, 64, 64, 3]`` images to the logits
        ``[hair [B, 12], eye [B, 11], rotation [B, 4], quality [B, 4]]``.
    """
    inputs = keras.Input((_ANIME_IMAGE_SIZE, _ANIME_IMAGE_SIZE, 3), name="images")
    x = inputs
    for index, (filters, stride) in enumerate(_ANIME_CONV_BLOCKS, start=1):
        x = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                                dtype=dtype, name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(dtype=dtype, name=f"bn{index}")(x)
        x = keras.layers.ReLU(dtype=dtype, name=f"relu{index}")(x)
    x = keras.layers.GlobalAveragePooling2D(dtype=dtype, name="pool")(x)
    x = keras.layers.Dense(_ANIME_FEATURE_DIM, use_bias=False, dtype=dtype, name="dense")(x)
    x = keras.layers.BatchNormalization(dtype=dtype, name="bn_features")(x)
    features = keras.layers.ReLU(dtype=dtype, name=_ANIME_FEATURES_LAYER)(x)
    outputs = [
        keras.layers.Dense(len(ANIME_HAIR_COLOURS), dtype=dtype, name="hair")(features),
        keras.layers.Dense(len(ANIME_EYE_COLOURS), dtype=dtype, name="eye")(features),
        keras.layers.Dense(_ANIME_ROTATIONS, dtype=dtype, name="rotation")(features),
        keras.layers.Dense(len(ANIME_QUALITY_CLASSES), dtype=dtype, name="quality")(features),
    ]
    return keras.Model(inputs, outputs, name="anime_features")


def anime_features_weights_path() -> str:
    """Path of the anime-face feature network weights shipped in the package.

    Returns:
        ``.../tfgan/anime_features/anime_features.weights.h5`` (it may be missing in a broken
        install; :func:`anime_features_model` checks).
    """
    return os.fspath(importlib.resources.files("tfgan") / _ANIME_FEATURES_DIR
                     / ANIME_FEATURES_WEIGHTS_FILE)


def anime_features_model(weights_path: Optional[str] = None) -> keras.Model:
    """The packaged anime-face feature network with its heads, in float32 and frozen.

    Trained by ``scripts/train_anime_features.py`` on 96x96 anime faces (its docstring gives
    the held-out hair and eye colour accuracies and the FID/KID checks).

    Args:
        weights_path: A ``.weights.h5`` file for :func:`_build_anime_features_net`'s
            architecture; None: the weights shipped in the package.

    Returns:
        A ``keras.Model`` from ``[B, 64, 64, 3]`` float32 RGB images in [-1, 1] to the logits
        ``[hair [B, 12], eye [B, 11], rotation [B, 4], quality [B, 4]]``; the 128 features
        are ``model.get_layer("features").output``.

    Raises:
        FileNotFoundError: The weights file is missing (the message names the script that
            rebuilds it).
    """
    path = (os.fspath(weights_path) if weights_path is not None
            else anime_features_weights_path())
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Anime feature network weights not found at {path}. They ship with tfgan "
            f"(tfgan/{_ANIME_FEATURES_DIR}/{ANIME_FEATURES_WEIGHTS_FILE}); reinstall the "
            f"package or rebuild them with scripts/train_anime_features.py.")
    with _float32_policy():
        model = _build_anime_features_net(dtype="float32")
    model.load_weights(path)
    model.trainable = False
    return model


def anime_extractor(weights_path: Optional[str] = None) -> FeatureExtractor:
    """"Anime FID" features from the packaged anime-face network, for RGB images.

    Images of any size (e.g. the 96x96 faces of the anime DCGAN, or 64x64) are resized to
    64x64 (bilinear, antialiased) and grey images tiled to RGB. The features are the 128
    post-ReLU units of the penultimate layer, trained to predict hair colour, eye colour, the
    rotation of a face and whether it was blurred or noised, so they respond to colours, facial
    structure and sharpness. No logits are returned (no Inception score): a colour
    classifier's confidence says little about sample quality.

    Args:
        weights_path: Optional weights file; None: the packaged weights.

    Returns:
        A :class:`FeatureExtractor` with 128 features and no logits, in float32.

    Raises:
        FileNotFoundError: The weights file is missing.
    """
    network = anime_features_model(weights_path)
    with _float32_policy():
        model = keras.Model(network.inputs, network.get_layer(_ANIME_FEATURES_LAYER).output,
                            name="anime_extractor")
    return FeatureExtractor(model, image_size=_ANIME_IMAGE_SIZE, channels=3, name="anime")


def _keras_models_dir() -> str:
    return os.path.join(os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"),
                                                                   ".keras")), "models")


def _inception_v3_weights() -> str:
    """Local path of the InceptionV3 ImageNet weights (Keras' cache; downloads if missing)."""
    try:
        return keras.utils.get_file(INCEPTION_V3_WEIGHTS_FILE, _INCEPTION_V3_WEIGHTS_URL,
                                    cache_subdir="models", file_hash=_INCEPTION_V3_WEIGHTS_MD5)
    except Exception as e:  # Keras raises a bare Exception for URL errors, ValueError for hashes
        raise WeightsUnavailableError(
            f"The InceptionV3 ImageNet weights are not available: {INCEPTION_V3_WEIGHTS_FILE} is "
            f"not in {_keras_models_dir()} and downloading it from {_INCEPTION_V3_WEIGHTS_URL} "
            f"failed ({type(e).__name__}: {e}). On a machine without internet access, copy that "
            f"file into {_keras_models_dir()} (or $KERAS_HOME/models), or pass "
            f"inception_v3_extractor(weights='/path/to/{INCEPTION_V3_WEIGHTS_FILE}'). For MNIST "
            f"use the classifier shipped with tfgan instead: tfgan.evaluation.mnist_extractor()."
        ) from e


def inception_v3_extractor(weights: Optional[str] = "imagenet") -> FeatureExtractor:
    """InceptionV3 (``keras.applications``) pool features and logits, for RGB data.

    Images are resized to 299x299 (bilinear, antialiased) and grey images tiled to RGB; the
    input range [-1, 1] is already what InceptionV3 expects. Features are the 2048-d global
    average pool, logits the 1000 ImageNet logits of the top layer. (Published FIDs use the
    original TF1 Inception graph with 1008 classes; Keras' port gives close but not identical
    numbers.) About 5.7 GFLOP per image: 10,000 images take minutes on a CPU.

    Args:
        weights: "imagenet" (Keras' cache in ``~/.keras/models``, downloaded if missing), a path
            to ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5``, or None for random
            weights (for tests of the plumbing only; the numbers mean nothing).

    Returns:
        A :class:`FeatureExtractor` with 2048 features and 1000 logits, in float32.

    Raises:
        WeightsUnavailableError: ``weights="imagenet"`` and the file is neither cached nor
            downloadable (e.g. offline); the message says where to put it.
        FileNotFoundError: ``weights`` is a path that does not exist.
    """
    if weights == "imagenet":
        weights_path = _inception_v3_weights()
    elif weights is None:
        weights_path = None
    else:
        weights_path = os.fspath(weights)
        if not os.path.isfile(weights_path):
            raise FileNotFoundError(f"InceptionV3 weights file not found: {weights_path}")
    with _float32_policy():
        base = keras.applications.InceptionV3(include_top=True, weights=weights_path,
                                              classifier_activation=None)
        base.trainable = False
        model = keras.Model(base.inputs, [base.get_layer("avg_pool").output, base.outputs[0]],
                            name="inception_v3_extractor")
    return FeatureExtractor(model, image_size=_INCEPTION_IMAGE_SIZE, channels=3,
                            name="inception_v3")


_EXTRACTORS = {"mnist": mnist_extractor, "anime": anime_extractor,
               "inception_v3": inception_v3_extractor}


def get_extractor(extractor: Union[str, Callable]) -> Callable:
    """An extractor by name, or the argument itself if it is already callable.

    Args:
        extractor: "mnist" (:func:`mnist_extractor`), "anime" (:func:`anime_extractor`),
            "inception_v3" (:func:`inception_v3_extractor`) or a callable with the extractor
            contract.

    Returns:
        A callable ``images [B, H, W, C] in [-1, 1] -> (features [B, F], logits [B, K] or
        None)``.
    """
    if isinstance(extractor, str):
        if extractor not in _EXTRACTORS:
            raise ValueError(f"Unknown extractor {extractor!r}; choose one of "
                             f"{sorted(_EXTRACTORS)} or pass a callable.")
        return _EXTRACTORS[extractor]()
    if not callable(extractor):
        raise TypeError(f"extractor must be a name or a callable, got {type(extractor).__name__}.")
    return extractor


# --------------------------------------------------------------------------------------------
# Running extractors over data
# --------------------------------------------------------------------------------------------


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
        path = os.fspath(path)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    @classmethod
    def load(cls, path: str) -> "ActivationStats":
        """Reads statistics written by :meth:`save`."""
        with np.load(path) as f:
            return cls(features=f["features"], logits=f["logits"] if "logits" in f else None,
                       mu=f["mu"], sigma=f["sigma"])


def _check_count(name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


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
            in the order ``sample_fn`` returns them (see ``tfgan.callbacks.balanced_labels``).
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
