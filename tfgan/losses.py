"""GAN losses as pure functions of discriminator logits.

Every loss comes as a ``(generator_loss, discriminator_loss)`` pair and returns *per-example*
losses of shape ``[batch]`` in float32, whatever dtype the logits arrive in. Keeping the batch
axis lets the caller reduce over the *global* batch under a distribution strategy
(``tf.nn.compute_average_loss``); call ``tf.reduce_mean`` on the result for a plain scalar.

Logits may have shape ``[batch]`` or ``[batch, 1]``.

Conventions (``D`` is the discriminator's logit, ``sigmoid(D)`` its probability of "real"):

=================  ==========================================  ==================================
family             discriminator loss                          generator loss
=================  ==========================================  ==================================
minimax            -log s(D(x)) - log(1 - s(D(G(z))))          log(1 - s(D(G(z))))
non_saturating     same as minimax (binary cross-entropy)      -log s(D(G(z)))
least_squares      ((D(x) - b)^2 + (D(G(z)) - a)^2) / 2        (D(G(z)) - c)^2 / 2
wasserstein        D(G(z)) - D(x)                              -D(G(z))
hinge              relu(1 - D(x)) + relu(1 + D(G(z)))          -D(G(z))
=================  ==========================================  ==================================

The least-squares losses act on the raw critic output (no sigmoid). ``a``, ``b``, ``c`` are the
LSGAN paper's targets: 0-1-1 (the usual coding) or -1-1-0 (the Pearson chi-squared coding).
"""

import collections
from typing import Callable, Optional

import tensorflow as tf

from tfgan import _checks
from tfgan import names

LossPair = collections.namedtuple("LossPair", ["generator", "discriminator"])

# Small constant under the square root of the gradient norm: the derivative of sqrt at 0 is
# infinite, and a critic gradient of exactly zero (e.g. a dead ReLU) would otherwise give NaN.
_NORM_EPSILON = 1e-12


def _as_logits(logits: tf.Tensor) -> tf.Tensor:
    """Returns ``logits`` as float32 ``[batch]``; accepts ``[batch]`` or ``[batch, 1]``."""
    logits = tf.convert_to_tensor(logits)
    if logits.shape.rank == 2 and logits.shape[-1] == 1:
        logits = tf.squeeze(logits, axis=-1)
    elif logits.shape.rank != 1:
        raise ValueError(
            f"discriminator logits must have shape [batch] or [batch, 1], got {logits.shape}")
    return tf.cast(logits, tf.float32)


def minimax_discriminator_loss(real_logits, fake_logits):
    """Original GAN discriminator loss, binary cross-entropy on real=1 / fake=0.

    Args:
        real_logits: ``[batch]`` or ``[batch, 1]`` logits on real images.
        fake_logits: the same on generated images.

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    real, fake = _as_logits(real_logits), _as_logits(fake_logits)
    return tf.nn.softplus(-real) + tf.nn.softplus(fake)


def minimax_generator_loss(fake_logits):
    """Original (saturating) generator loss ``log(1 - sigmoid(D(G(z))))``.

    Args:
        fake_logits: ``[batch]`` or ``[batch, 1]`` logits on generated images.

    Returns:
        float32 ``[batch]`` per-example losses (negative; minimised).
    """
    return -tf.nn.softplus(_as_logits(fake_logits))


non_saturating_discriminator_loss = minimax_discriminator_loss


def non_saturating_generator_loss(fake_logits):
    """Non-saturating generator loss ``-log sigmoid(D(G(z)))`` (BCE against "real").

    Args:
        fake_logits: ``[batch]`` or ``[batch, 1]`` logits on generated images.

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    return tf.nn.softplus(-_as_logits(fake_logits))


def least_squares_discriminator_loss(real_logits, fake_logits, a=0.0, b=1.0):
    """LSGAN discriminator loss: push real outputs to ``b`` and fake outputs to ``a``.

    Args:
        real_logits: ``[batch]`` or ``[batch, 1]`` raw critic outputs on real images.
        fake_logits: the same on generated images.
        a: target for generated images (0 in the 0-1-1 coding, -1 in the -1-1-0 coding).
        b: target for real images (1 in both codings).

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    real, fake = _as_logits(real_logits), _as_logits(fake_logits)
    return 0.5 * (tf.square(real - b) + tf.square(fake - a))


def least_squares_generator_loss(fake_logits, c=1.0):
    """LSGAN generator loss: push the critic's output on generated images to ``c``.

    Args:
        fake_logits: ``[batch]`` or ``[batch, 1]`` raw critic outputs on generated images.
        c: the value the generator wants the critic to output (1 or 0 in the two codings).

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    return 0.5 * tf.square(_as_logits(fake_logits) - c)


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """WGAN critic loss ``D(G(z)) - D(x)`` (the negated Wasserstein estimate).

    Args:
        real_logits: ``[batch]`` or ``[batch, 1]`` critic outputs on real images.
        fake_logits: the same on generated images.

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    return _as_logits(fake_logits) - _as_logits(real_logits)


def wasserstein_generator_loss(fake_logits):
    """WGAN generator loss ``-D(G(z))``.

    Args:
        fake_logits: ``[batch]`` or ``[batch, 1]`` critic outputs on generated images.

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    return -_as_logits(fake_logits)


def hinge_discriminator_loss(real_logits, fake_logits):
    """Hinge discriminator loss ``relu(1 - D(x)) + relu(1 + D(G(z)))``.

    Args:
        real_logits: ``[batch]`` or ``[batch, 1]`` logits on real images.
        fake_logits: the same on generated images.

    Returns:
        float32 ``[batch]`` per-example losses.
    """
    real, fake = _as_logits(real_logits), _as_logits(fake_logits)
    return tf.nn.relu(1.0 - real) + tf.nn.relu(1.0 + fake)


hinge_generator_loss = wasserstein_generator_loss

_LOSSES = {
    "minimax": LossPair(minimax_generator_loss, minimax_discriminator_loss),
    "non_saturating": LossPair(non_saturating_generator_loss, non_saturating_discriminator_loss),
    "least_squares": LossPair(least_squares_generator_loss, least_squares_discriminator_loss),
    "wasserstein": LossPair(wasserstein_generator_loss, wasserstein_discriminator_loss),
    "hinge": LossPair(hinge_generator_loss, hinge_discriminator_loss),
}
LOSS_NAMES = names.LOSSES
assert set(_LOSSES) == set(LOSS_NAMES), "tfgan.names.LOSSES and _LOSSES differ"


def get(name: str) -> LossPair:
    """Returns the ``LossPair`` of the loss family called ``name``.

    Args:
        name: one of ``LOSS_NAMES``.

    Raises:
        ValueError: for an unknown name; the message lists the accepted ones.
    """
    _checks.one_of("loss", name, LOSS_NAMES)
    return _LOSSES[name]


def interpolate(real_images, fake_images, alpha):
    """Points on the straight lines between real and generated images.

    Args:
        real_images: ``[batch, H, W, C]``.
        fake_images: ``[batch, H, W, C]``.
        alpha: ``[batch]`` weights in [0, 1]; 1 gives the real image.

    Returns:
        ``[batch, H, W, C]`` in the dtype of ``real_images``.
    """
    alpha = tf.reshape(tf.cast(alpha, real_images.dtype),
                       [-1] + [1] * (real_images.shape.rank - 1))
    return fake_images + alpha * (tf.cast(real_images, fake_images.dtype) - fake_images)


def gradient_penalty(critic: Callable[[tf.Tensor], tf.Tensor],
                     real_images,
                     fake_images,
                     alpha,
                     loss_scale: Optional[tf.Tensor] = None,
                     target: float = 1.0):
    """WGAN-GP penalty ``(||grad_x D(x_hat)||_2 - target)^2`` at interpolated images.

    ``x_hat = alpha * x + (1 - alpha) * G(z)`` with one ``alpha ~ U[0, 1]`` per sample, as in
    Gulrajani et al. (2017). The norm is taken over all non-batch axes, in float32, with a tiny
    constant under the square root so a zero gradient yields a finite penalty.

    Under float16 the inner gradient can underflow; pass the optimizer's ``loss_scale`` and the
    critic output is multiplied by it before differentiation, and the gradient divided by it
    (in float32) before the norm.

    Args:
        critic: maps images ``[batch, H, W, C]`` to logits ``[batch]`` or ``[batch, 1]``. For a
            conditional critic close over the labels.
        real_images: ``[batch, H, W, C]`` real images.
        fake_images: ``[batch, H, W, C]`` generated images (gradients do not flow into them).
        alpha: ``[batch]`` interpolation weights, drawn by the caller from U[0, 1].
        loss_scale: optional scalar loss scale (float16 mixed precision).
        target: the gradient norm the penalty pulls towards (1 for WGAN-GP).

    Returns:
        float32 ``[batch]`` per-example penalties.
    """
    interpolated = interpolate(real_images, tf.stop_gradient(fake_images), alpha)
    grads = _input_gradients(critic, interpolated, loss_scale)
    axes = list(range(1, grads.shape.rank))
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=axes) + _NORM_EPSILON)
    return tf.square(norms - target)


def r1_penalty(critic: Callable[[tf.Tensor], tf.Tensor], real_images,
               loss_scale: Optional[tf.Tensor] = None):
    """The R1 penalty ``||grad_x D(x)||_2^2`` at real images (Mescheder et al. 2018).

    Zero-centred and on the data only: it pushes the discriminator's gradient towards zero
    where the real images are, the regulariser under which the non-saturating GAN provably
    converges locally (StyleGAN uses it). The paper's ``gamma / 2`` is the caller's weight.
    The squared norm is summed over all non-batch axes in float32.

    Args:
        critic: maps images ``[batch, H, W, C]`` to logits ``[batch]`` or ``[batch, 1]``.
        real_images: ``[batch, H, W, C]`` real images.
        loss_scale: optional scalar loss scale (float16 mixed precision), as in
            :func:`gradient_penalty`.

    Returns:
        float32 ``[batch]`` per-example penalties.
    """
    grads = _input_gradients(critic, tf.convert_to_tensor(real_images), loss_scale)
    return tf.reduce_sum(tf.square(grads), axis=list(range(1, grads.shape.rank)))


def _input_gradients(critic, images, loss_scale):
    """float32 ``d sum(critic(images)) / d images``, unscaled from ``loss_scale``."""
    with tf.GradientTape() as tape:
        tape.watch(images)
        critic_out = tf.reduce_sum(_as_logits(critic(images)))
        if loss_scale is not None:
            critic_out = critic_out * tf.cast(loss_scale, critic_out.dtype)
    grads = tf.cast(tape.gradient(critic_out, images), tf.float32)
    if loss_scale is not None:
        grads = grads / tf.cast(loss_scale, tf.float32)
    return grads


def drift_penalty(real_logits):
    """The drift term ``D(x)^2`` on real images (Karras et al. 2018, "Progressive Growing").

    Added to the critic's loss with a small weight (the paper's epsilon is 1e-3), it keeps the
    Wasserstein critic's outputs near zero, which the loss alone leaves free to wander.

    Args:
        real_logits: ``[batch]`` or ``[batch, 1]`` critic outputs on real images.

    Returns:
        float32 ``[batch]`` per-example penalties (squared in float32, so bfloat16 or float16
        outputs neither lose precision nor overflow).
    """
    return tf.square(_as_logits(real_logits))


def clip_weights(variables, clip_value: float):
    """Clips every variable in place to ``[-clip_value, clip_value]`` (WGAN weight clipping).

    Args:
        variables: an iterable of ``tf.Variable`` (usually the critic's trainable weights).
        clip_value: positive clip bound.

    Raises:
        ValueError: if ``clip_value`` is not positive.
    """
    if not clip_value > 0:
        raise ValueError(f"clip_value must be positive, got {clip_value}")
    for variable in variables:
        variable.assign(tf.clip_by_value(variable, -clip_value, clip_value))
