"""Keras layers the networks need and Keras does not have.

``MinibatchStdDev`` (Karras et al. 2018, "Progressive Growing of GANs", section 3) gives a
discriminator one feature that sees a group of samples at once: how much they vary. A
generator that draws too little variety (mode collapse) gets a low value the discriminator can
use against it, which pushes the generator towards the variety of the real data.

``FusedBatchNormalization`` is ``keras.layers.BatchNormalization`` whose training pass runs as
TensorFlow's single fused kernel (oneDNN's on this CPU) instead of the dozen elementwise ops
and float32 casts Keras 3 builds it from: the same layer, weights and statistics; a
``dcgan.cfg`` training step takes about three quarters of the time (``benchmarks/norm_speed.py``).
"""

import keras
import tensorflow as tf

from tfgan import _checks

_EPSILON = 1e-8


@keras.saving.register_keras_serializable(package="tfgan")
class MinibatchStdDev(keras.layers.Layer):
    """Appends the average standard deviation over groups of samples as one more channel.

    The batch is split into groups of ``group_size`` samples (sample ``i`` in group
    ``i % (batch // group_size)``, as in the reference code). For each group, the standard
    deviation of every feature over its samples is averaged over all features into one number,
    which is appended to each of the group's samples as a constant last channel. A batch that
    ``group_size`` does not divide is treated as one group. The statistic is computed in
    float32 whatever the layer's dtype policy.

    Input ``[batch, ..., C]`` (a feature map ``[batch, H, W, C]`` or features ``[batch, C]``);
    output ``[batch, ..., C + 1]``.

    Note that the layer mixes the samples of a group: it does not keep a per-sample gradient
    penalty per-sample (Karras et al. used it with WGAN-GP all the same).
    """

    def __init__(self, group_size: int = 4, **kwargs):
        super().__init__(**kwargs)
        self.group_size = _checks.positive_int("group_size", group_size)

    def call(self, inputs):
        x = tf.cast(inputs, tf.float32)
        batch = tf.shape(x)[0]
        group = tf.minimum(self.group_size, batch)
        group = tf.where(batch % group == 0, group, batch)
        grouped = tf.reshape(x, tf.concat([[group, batch // group], tf.shape(x)[1:]], axis=0))
        variance = tf.math.reduce_variance(grouped, axis=0)  # [batch // group, ...]
        spread = tf.reduce_mean(tf.sqrt(variance + _EPSILON),
                                axis=tf.range(1, tf.rank(variance)))  # [batch // group]
        # Sample i belongs to group i % (batch // group): tiling repeats the groups in order.
        per_sample = tf.tile(spread, [group])  # [batch]
        feature_shape = tf.concat([tf.shape(x)[:-1], [1]], axis=0)
        feature = tf.reshape(per_sample, tf.concat(
            [[batch], tf.ones([tf.rank(x) - 1], tf.int32)], axis=0)) * tf.ones(feature_shape)
        return tf.concat([inputs, tf.cast(feature, inputs.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] + 1
        return (*input_shape[:-1], channels)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size}


@keras.saving.register_keras_serializable(package="tfgan")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """``keras.layers.BatchNormalization`` with a fused training pass.

    Keras 3 builds batch normalisation from separate ops (casts to float32, moments, scale and
    shift) and so does its gradient: in a profile of ``wgangp.cfg`` on a 2-core CPU, the
    generator's three batch norms took a fifth of the step's kernel time. In training, this
    layer computes the same function with one ``FusedBatchNormV3`` (statistics accumulated in
    float32 whatever the input dtype), and updates ``moving_mean`` and ``moving_variance``
    exactly as Keras does (the biased batch variance). Everything else (inference, masks,
    ``synchronized``, ``renorm``, axes other than the last, inputs that are not ``[batch, C]``
    or ``[batch, H, W, C]``) is Keras' own path. Weights, config and checkpoints are those of
    ``keras.layers.BatchNormalization``.

    One difference: the fused kernel needs ``epsilon >= 1.001e-5`` and uses that for smaller
    values (as Keras 2's fused batch norm did); 1e-5 becomes 1.001e-5.
    """

    _MIN_FUSED_EPSILON = 1.001e-5

    def _fusable(self, inputs, training, mask) -> bool:
        rank = len(inputs.shape)
        return (bool(training) and self.trainable and mask is None and not self.synchronized
                and not self.renorm and rank in (2, 4) and self.axis in (-1, rank - 1))

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        channels = inputs.shape[-1]
        # [batch, C] is normalised as a [batch, 1, 1, C] feature map: the same statistics.
        x = tf.reshape(inputs, [-1, 1, 1, channels]) if len(inputs.shape) == 2 else inputs
        gamma = self.gamma if self.scale else tf.ones([channels])
        beta = self.beta if self.center else tf.zeros([channels])
        y, mean, unbiased_variance = tf.compat.v1.nn.fused_batch_norm(
            x, tf.cast(gamma, tf.float32), tf.cast(beta, tf.float32),
            epsilon=max(self.epsilon, self._MIN_FUSED_EPSILON), is_training=True,
            data_format="NHWC")
        count = tf.cast(tf.size(x) // channels, tf.float32)
        # The kernel returns the Bessel-corrected variance; Keras averages the biased one.
        variance = unbiased_variance * (count - 1.0) / tf.maximum(count, 1.0)
        momentum = self.momentum
        self.moving_mean.assign(self.moving_mean * momentum + mean * (1.0 - momentum))
        self.moving_variance.assign(
            self.moving_variance * momentum + variance * (1.0 - momentum))
        y = tf.reshape(y, tf.shape(inputs)) if len(inputs.shape) == 2 else y
        return tf.cast(y, self.compute_dtype)
