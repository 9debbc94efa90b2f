"""Golden values, shapes and dtypes of tfgan.losses; the gradient penalty against closed forms."""

import math

import numpy as np
import pytest
import tensorflow as tf

from tfgan import losses

REAL = np.array([2.0, -1.0, 0.0], np.float32)
FAKE = np.array([-3.0, 0.5, 0.0], np.float32)


def softplus(x):
    return math.log1p(math.exp(x))


def test_minimax_and_non_saturating_golden_values():
    # D loss: -log s(r) - log(1 - s(f)) = softplus(-r) + softplus(f).
    expected_d = [softplus(-r) + softplus(f) for r, f in zip(REAL, FAKE)]
    np.testing.assert_allclose(losses.minimax_discriminator_loss(REAL, FAKE), expected_d,
                               rtol=1e-6)
    np.testing.assert_allclose(losses.non_saturating_discriminator_loss(REAL, FAKE), expected_d,
                               rtol=1e-6)
    # At logit 0 both classes have probability 1/2: each term is log 2.
    assert losses.minimax_discriminator_loss([0.0], [0.0]).numpy()[0] == pytest.approx(
        2 * math.log(2), rel=1e-6)
    # G: minimax minimises log(1 - s(f)) = -softplus(f); non-saturating -log s(f) = softplus(-f).
    np.testing.assert_allclose(losses.minimax_generator_loss(FAKE),
                               [-softplus(f) for f in FAKE], rtol=1e-6)
    np.testing.assert_allclose(losses.non_saturating_generator_loss(FAKE),
                               [softplus(-f) for f in FAKE], rtol=1e-6)


def test_cross_entropy_is_stable_for_large_logits():
    big = np.array([80.0, -80.0], np.float32)
    d = losses.non_saturating_discriminator_loss(big, -big).numpy()
    np.testing.assert_allclose(d, [0.0, 160.0], atol=1e-5)
    g = losses.non_saturating_generator_loss(-big).numpy()
    np.testing.assert_allclose(g, [80.0, 0.0], atol=1e-5)


@pytest.mark.parametrize("a, b, c", [(0.0, 1.0, 1.0), (-1.0, 1.0, 0.0)])
def test_least_squares_golden_values(a, b, c):
    expected_d = 0.5 * ((REAL - b) ** 2 + (FAKE - a) ** 2)
    np.testing.assert_allclose(losses.least_squares_discriminator_loss(REAL, FAKE, a=a, b=b),
                               expected_d, rtol=1e-6)
    np.testing.assert_allclose(losses.least_squares_generator_loss(FAKE, c=c),
                               0.5 * (FAKE - c) ** 2, rtol=1e-6)


def test_least_squares_hand_computed():
    # 0-1-1 coding: real 2 -> (2-1)^2 = 1, fake -3 -> (-3-0)^2 = 9; half of the sum is 5.
    assert losses.least_squares_discriminator_loss([2.0], [-3.0]).numpy()[0] == pytest.approx(5)
    # -1-1-0 coding: fake -3 -> (-3+1)^2 = 4; (1 + 4) / 2 = 2.5; G: (-3 - 0)^2 / 2 = 4.5.
    assert losses.least_squares_discriminator_loss(
        [2.0], [-3.0], a=-1.0, b=1.0).numpy()[0] == pytest.approx(2.5)
    assert losses.least_squares_generator_loss([-3.0], c=0.0).numpy()[0] == pytest.approx(4.5)


def test_wasserstein_and_hinge_golden_values():
    np.testing.assert_allclose(losses.wasserstein_discriminator_loss(REAL, FAKE),
                               [-5.0, 1.5, 0.0])
    np.testing.assert_allclose(losses.wasserstein_generator_loss(FAKE), [3.0, -0.5, 0.0])
    # relu(1 - r) + relu(1 + f): r=2 -> 0, f=-3 -> 0; r=-1 -> 2, f=0.5 -> 1.5; 1 + 1.
    np.testing.assert_allclose(losses.hinge_discriminator_loss(REAL, FAKE), [0.0, 3.5, 2.0])
    np.testing.assert_allclose(losses.hinge_generator_loss(FAKE), [3.0, -0.5, 0.0])


@pytest.mark.parametrize("name", losses.LOSS_NAMES)
@pytest.mark.parametrize("dtype", [tf.float16, tf.bfloat16, tf.float32])
def test_losses_are_float32_per_example_for_any_logit_dtype_and_rank(name, dtype):
    pair = losses.get(name)
    real = tf.constant(REAL[:, None], dtype)  # [batch, 1]
    fake = tf.constant(FAKE, dtype)  # [batch]
    d = pair.discriminator(real, fake)
    g = pair.generator(fake[:, None])
    for value in (d, g):
        assert value.dtype == tf.float32
        assert value.shape == (3,)
    reference = pair.discriminator(REAL, FAKE)
    np.testing.assert_allclose(d, reference, rtol=2e-2, atol=2e-2)


def test_bad_logit_shape_names_the_shape():
    with pytest.raises(ValueError, match=r"\[batch\] or \[batch, 1\].*\(3, 2\)"):
        losses.wasserstein_generator_loss(tf.zeros([3, 2]))


def test_unknown_loss_name_lists_accepted_values():
    with pytest.raises(ValueError, match="loss must be one of .*'wasserstein'.*got 'wgan'"):
        losses.get("wgan")


def test_gradient_penalty_of_linear_critic_is_known_analytically():
    # D(x) = sum(w * x): grad_x D = w everywhere, so the penalty is (||w|| - 1)^2 for any alpha.
    w = tf.constant(np.arange(1, 13, dtype=np.float32).reshape(1, 2, 2, 3) / 10.0)

    def critic(x):
        return tf.reduce_sum(w * x, axis=[1, 2, 3])

    real = tf.random.normal([4, 2, 2, 3])
    fake = tf.random.normal([4, 2, 2, 3])
    alpha = tf.constant([0.0, 0.3, 0.7, 1.0])
    penalty = losses.gradient_penalty(critic, real, fake, alpha)
    norm = np.sqrt(np.sum(np.square(w.numpy())))
    np.testing.assert_allclose(penalty, [(norm - 1.0) ** 2] * 4, rtol=1e-5)
    assert penalty.dtype == tf.float32 and penalty.shape == (4,)


def test_gradient_penalty_uses_each_samples_own_interpolate():
    # D(x) = 0.5 * sum(x^2): grad = x_hat, so the penalty is (||x_hat|| - 1)^2 per sample.
    def critic(x):
        return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])

    real = tf.ones([2, 1, 1, 4])  # ||real|| = 2
    fake = tf.zeros([2, 1, 1, 4])
    alpha = tf.constant([0.25, 1.0])  # x_hat norms 0.5 and 2
    penalty = losses.gradient_penalty(critic, real, fake, alpha)
    np.testing.assert_allclose(penalty, [0.25, 1.0], rtol=1e-5)


def test_gradient_penalty_is_finite_when_the_critic_gradient_is_zero():
    # A critic made of dead ReLUs has zero input gradient; sqrt'(0) is infinite, so a naive
    # norm gives NaN weight gradients. The penalty must stay (0 - 1)^2 = 1 with finite grads.
    weight = tf.Variable(1.0)

    def dead_critic(x):
        return tf.nn.relu(weight * tf.reduce_sum(x, axis=[1, 2, 3]) - 100.0)

    real = tf.random.uniform([3, 2, 2, 1])
    fake = tf.random.uniform([3, 2, 2, 1])
    with tf.GradientTape() as tape:
        penalty = losses.gradient_penalty(dead_critic, real, fake, tf.constant([0.1, 0.5, 0.9]))
    np.testing.assert_allclose(penalty, [1.0, 1.0, 1.0], rtol=1e-5)
    grad = tape.gradient(penalty, weight)
    assert grad is not None and np.isfinite(grad.numpy())


def test_gradient_penalty_loss_scale_keeps_float16_gradients_from_underflowing():
    # A float16 critic D(x) = sum(x * 2^-12) * 2^-13: its input gradient, 2^-25 per pixel, is
    # below float16's smallest subnormal (2^-24) and rounds to zero, unless the output is
    # multiplied by the loss scale 2^15 before differentiation (2^-10, exact in float16) and
    # the gradient divided by it afterwards in float32. target=0 makes the penalty ||grad||^2
    # (plus the 1e-12 the norm adds under its square root).
    def critic(x):
        hidden = tf.cast(x, tf.float16) * tf.constant(2.0**-12, tf.float16)
        return tf.reduce_sum(hidden, axis=[1, 2, 3]) * tf.constant(2.0**-13, tf.float16)

    real, fake = tf.ones([2, 32, 32, 1]), tf.zeros([2, 32, 32, 1])
    alpha = tf.constant([0.5, 0.5])
    squared_norm = 32 * 32 * 2.0**-50  # 1024 pixels of 2^-25
    unscaled = losses.gradient_penalty(critic, real, fake, alpha, target=0.0)
    scaled = losses.gradient_penalty(critic, real, fake, alpha, target=0.0,
                                     loss_scale=tf.constant(2.0**15))
    np.testing.assert_allclose(unscaled, [1e-12, 1e-12], rtol=1e-3)  # the gradient vanished
    np.testing.assert_allclose(scaled, [squared_norm + 1e-12] * 2, rtol=1e-3)


def test_gradient_penalty_twice_differentiable_wrt_critic_weights():
    kernel = tf.Variable([[2.0], [0.0]])

    def critic(x):
        return tf.matmul(tf.reshape(x, [-1, 2]), kernel)

    real = tf.random.normal([3, 1, 1, 2])
    fake = tf.random.normal([3, 1, 1, 2])
    with tf.GradientTape() as tape:
        penalty = tf.reduce_mean(losses.gradient_penalty(critic, real, fake, tf.fill([3], 0.5)))
    # penalty = (||k|| - 1)^2 = 1; d/dk = 2 (||k|| - 1) k / ||k|| = [2, 0].
    np.testing.assert_allclose(penalty, 1.0, rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(penalty, kernel), [[2.0], [0.0]], rtol=1e-5)


def test_r1_penalty_is_the_squared_gradient_norm_at_each_real_image():
    # D(x) = 0.5 * sum(x^2): grad = x, so R1 is ||x||^2 per sample (no fakes involved).
    def critic(x):
        return 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])

    real = tf.constant([[[[1.0, 2.0]]], [[[0.0, 3.0]]]])  # [2, 1, 1, 2]
    penalty = losses.r1_penalty(critic, real)
    np.testing.assert_allclose(penalty, [5.0, 9.0], rtol=1e-6)
    assert penalty.dtype == tf.float32 and penalty.shape == (2,)


def test_r1_penalty_is_zero_centred_and_differentiable_wrt_critic_weights():
    # A flat critic (zero gradient) costs nothing, unlike WGAN-GP's (0 - 1)^2.
    kernel = tf.Variable([[0.0], [0.0]])

    def critic(x):
        return tf.matmul(tf.reshape(x, [-1, 2]), kernel)

    real = tf.random.normal([3, 1, 1, 2])
    np.testing.assert_allclose(losses.r1_penalty(critic, real), [0.0] * 3, atol=1e-12)
    kernel.assign([[3.0], [4.0]])
    with tf.GradientTape() as tape:
        penalty = tf.reduce_mean(losses.r1_penalty(critic, real))
    # penalty = ||k||^2 = 25; d/dk = 2k.
    np.testing.assert_allclose(penalty, 25.0, rtol=1e-6)
    np.testing.assert_allclose(tape.gradient(penalty, kernel), [[6.0], [8.0]], rtol=1e-6)


def test_r1_penalty_loss_scale_keeps_float16_gradients_from_underflowing():
    def critic(x):  # as in the gradient penalty's test: 2^-25 per pixel underflows float16
        hidden = tf.cast(x, tf.float16) * tf.constant(2.0**-12, tf.float16)
        return tf.reduce_sum(hidden, axis=[1, 2, 3]) * tf.constant(2.0**-13, tf.float16)

    real = tf.ones([2, 32, 32, 1])
    np.testing.assert_allclose(losses.r1_penalty(critic, real), [0.0, 0.0])
    scaled = losses.r1_penalty(critic, real, loss_scale=tf.constant(2.0**15))
    np.testing.assert_allclose(scaled, [32 * 32 * 2.0**-50] * 2, rtol=1e-3)


def test_clip_weights_bounds_every_value():
    variables = [tf.Variable([-1.0, 0.005, 2.0]), tf.Variable([[0.3, -0.02]])]
    losses.clip_weights(variables, 0.01)
    np.testing.assert_allclose(variables[0], [-0.01, 0.005, 0.01])
    np.testing.assert_allclose(variables[1], [[0.01, -0.01]])


@pytest.mark.parametrize("bad", [0.0, -0.1])
def test_clip_weights_rejects_non_positive_bound(bad):
    with pytest.raises(ValueError, match="clip_value must be positive"):
        losses.clip_weights([tf.Variable(1.0)], bad)


def test_drift_penalty_is_the_squared_critic_output_in_float32():
    np.testing.assert_allclose(losses.drift_penalty(REAL), np.square(REAL), rtol=1e-6)
    column = losses.drift_penalty(REAL[:, None])
    assert column.shape == (3,) and column.dtype == tf.float32
    # 300^2 = 90,000 overflows float16 (max 65,504); the square is taken in float32.
    big = losses.drift_penalty(tf.constant([300.0, -2.0], tf.float16))
    np.testing.assert_allclose(big, [90000.0, 4.0], rtol=1e-6)
    bf16 = losses.drift_penalty(tf.constant([[1.5]], tf.bfloat16))
    assert bf16.dtype == tf.float32 and float(bf16[0]) == 2.25
