"""Tests for tfgan.metrics: FID, KID, Inception score and class accuracy against closed forms."""

import numpy as np
import pytest

from tfgan import metrics


def random_spd(rng, d, scale=1.0):
    a = rng.normal(size=(d, d))
    return scale * (a @ a.T / d + 0.1 * np.eye(d))


# --------------------------------------------------------------------------------------------
# Fréchet distance
# --------------------------------------------------------------------------------------------


def test_frechet_distance_one_dimensional_closed_form():
    # N(m1, s1^2) vs N(m2, s2^2): (m1 - m2)^2 + (s1 - s2)^2.
    fd = metrics.frechet_distance_from_stats([1.0], [[4.0]], [-2.0], [[9.0]])
    assert fd == pytest.approx(9.0 + 1.0, rel=1e-12)


def test_frechet_distance_diagonal_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 1.0, 0.0, 3.5])
    var1, var2 = np.array([1.0, 2.0, 0.5, 4.0]), np.array([2.0, 2.0, 3.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(var1) - np.sqrt(var2)) ** 2)
    fd = metrics.frechet_distance_from_stats(mu1, np.diag(var1), mu2, np.diag(var2))
    assert fd == pytest.approx(expected, rel=1e-12)


def test_frechet_distance_general_gaussians_closed_form():
    # Non-commuting covariances: tr((S1 S2)^1/2) = sum of sqrt of the eigenvalues of S1 S2,
    # computed here by a different route (non-symmetric eigvals) than the module's.
    rng = np.random.default_rng(0)
    d = 4
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = random_spd(rng, d), random_spd(rng, d, scale=3.0)
    trace_sqrt = np.sum(np.sqrt(np.linalg.eigvals(s1 @ s2).real))
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * trace_sqrt
    assert metrics.frechet_distance_from_stats(mu1, s1, mu2, s2) == pytest.approx(
        expected, rel=1e-10)
    # Symmetric in its two arguments.
    assert metrics.frechet_distance_from_stats(mu2, s2, mu1, s1) == pytest.approx(
        expected, rel=1e-10)


def test_frechet_distance_of_samples_matches_closed_form():
    rng = np.random.default_rng(1)
    d, n = 4, 200_000
    mu1, mu2 = np.zeros(d), np.array([0.5, -0.5, 1.0, 0.0])
    s1, s2 = random_spd(rng, d), random_spd(rng, d, scale=2.0)
    x = rng.multivariate_normal(mu1, s1, size=n)
    y = rng.multivariate_normal(mu2, s2, size=n)
    exact = metrics.frechet_distance_from_stats(mu1, s1, mu2, s2)
    assert metrics.frechet_distance(x, y) == pytest.approx(exact, abs=0.03)
    mu, sigma = metrics.activation_statistics(x)
    assert mu.dtype == np.float64 and sigma.shape == (d, d)
    np.testing.assert_allclose(sigma, s1, atol=0.03)


@pytest.mark.parametrize("n, d", [(500, 8), (50, 64)])  # (50, 64): singular covariance
def test_frechet_distance_of_a_set_with_itself_is_zero(n, d):
    x = np.maximum(np.random.default_rng(2).normal(size=(n, d)), 0).astype(np.float32)
    assert metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)
    assert metrics.frechet_distance(x, x + 1.0) == pytest.approx(d, rel=1e-6)


def test_frechet_distance_rejects_bad_input():
    with pytest.raises(ValueError, match="same number of features"):
        metrics.frechet_distance(np.zeros((5, 3)), np.zeros((5, 4)))
    with pytest.raises(ValueError, match="at least 2"):
        metrics.frechet_distance(np.zeros((1, 3)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="NaN"):
        metrics.frechet_distance(np.full((5, 3), np.nan), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="shape"):
        metrics.frechet_distance_from_stats(np.zeros(3), np.eye(3), np.zeros(3), np.eye(4))


# --------------------------------------------------------------------------------------------
# Kernel inception distance
# --------------------------------------------------------------------------------------------


def brute_force_mmd2(x, y):
    """The unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3, by explicit loops."""
    m, d = x.shape
    k = lambda a, b: (a @ b / d + 1.0) ** 3  # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_matches_brute_force_estimator():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(12, 5)), rng.normal(size=(12, 5)) + 0.3
    # subset_size = N and a single subset: the estimator on the whole (permuted) sets.
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=1, subset_size=12)
    assert mean == pytest.approx(brute_force_mmd2(x, y), rel=1e-10)
    assert np.isnan(std)  # every subset is the whole of both sets: no spread to measure


def test_kid_estimator_is_unbiased():
    # Over many independent small samples of one distribution the estimates average to 0 within
    # their standard error, while the biased (V-statistic) version is clearly positive.
    rng = np.random.default_rng(4)
    m, d, trials = 20, 8, 400
    unbiased, biased = [], []
    for _ in range(trials):
        x, y = rng.normal(size=(m, d)), rng.normal(size=(m, d))
        kxx = metrics._polynomial_kernel(x, x)
        kyy = metrics._polynomial_kernel(y, y)
        kxy = metrics._polynomial_kernel(x, y)
        unbiased.append(metrics._mmd2_unbiased(kxx, kyy, kxy))
        biased.append((kxx.sum() + kyy.sum() - 2 * kxy.sum()) / m ** 2)
    standard_error = np.std(unbiased) / np.sqrt(trials)
    assert abs(np.mean(unbiased)) < 4 * standard_error
    assert np.mean(biased) > 10 * standard_error


def test_kid_near_zero_for_equal_and_positive_for_shifted_distributions():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    same, same_std = metrics.kernel_inception_distance(x, y, num_subsets=20, subset_size=500)
    shifted, shifted_std = metrics.kernel_inception_distance(x, y + 0.25, num_subsets=20,
                                                                subset_size=500)
    assert abs(same) < 2 * same_std
    assert shifted > 5 * shifted_std and shifted > 20 * abs(same)
    # Reproducible with a seed; subset_size is clipped to the sample sizes.
    assert metrics.kernel_inception_distance(x, y, 5, 100, seed=7) == \
        metrics.kernel_inception_distance(x, y, 5, 100, seed=7)
    metrics.kernel_inception_distance(x[:30], y, num_subsets=2, subset_size=1000)
    with pytest.raises(ValueError, match="subset_size"):
        metrics.kernel_inception_distance(x, y, subset_size=1)


# --------------------------------------------------------------------------------------------
# Inception score
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("num_classes", [10, 7])
def test_inception_score_of_uniform_one_hot_predictions_is_num_classes(num_classes):
    logits = 50.0 * np.eye(num_classes)[np.arange(100 * num_classes) % num_classes]
    mean, std = metrics.inception_score(logits, splits=10)
    assert mean == pytest.approx(num_classes, rel=1e-9)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_inception_score_of_constant_predictions_is_one():
    logits = np.tile(np.random.default_rng(6).normal(size=(1, 10)), (500, 1))
    assert metrics.inception_score(logits, splits=5) == pytest.approx((1.0, 0.0), abs=1e-9)
    # One confident class for every sample: also 1.
    assert metrics.inception_score(np.tile(100.0 * np.eye(10)[3], (100, 1)), splits=2)[0] == \
        pytest.approx(1.0, abs=1e-9)


def test_inception_score_bounds_and_shift_invariance():
    logits = np.random.default_rng(7).normal(size=(1000, 10)) * 3
    mean, std = metrics.inception_score(logits)
    assert 1.0 < mean < 10.0 and std > 0
    assert metrics.inception_score(logits + 123.0)[0] == pytest.approx(mean, rel=1e-9)
    with pytest.raises(ValueError, match="splits"):
        metrics.inception_score(logits[:5], splits=10)


def test_class_accuracy_is_the_fraction_of_argmax_hits():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    assert metrics.class_accuracy(logits, [0, 1, 2, 0]) == 1.0
    assert metrics.class_accuracy(logits, [0, 1, 0, 2]) == 0.5
    assert metrics.class_accuracy(logits, [1, 2, 0, 1]) == 0.0
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\)"):
        metrics.class_accuracy(logits, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="logits \\[N, K\\] and labels \\[N\\]"):
        metrics.class_accuracy(logits, [0, 1])
