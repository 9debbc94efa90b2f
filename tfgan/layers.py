"""Keras layers the networks need and Keras does not have.

``MinibatchStdDev`` (Karras et al. 2018, "Progressive Growing of GANs", section 3) gives a
discriminator one feature that sees a group of samples at once: how much they vary. A
generator that draws too little variety (mode collapse) gets a low value the discriminator can
use against it, which pushes the generator towards the variety of the real data.
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
