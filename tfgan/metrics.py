"""FID, KID, Inception score and class accuracy: pure functions of activations (NumPy).

These are the numbers GAN papers report, computed on the activations of a fixed feature network
(``tfgan.features``); ``tfgan.evaluation`` runs the network and calls these:

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
"""

from typing import Optional, Tuple

import numpy as np

__all__ = [
    "activation_statistics",
    "class_accuracy",
    "frechet_distance",
    "frechet_distance_from_stats",
    "inception_score",
    "kernel_inception_distance",
]




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
