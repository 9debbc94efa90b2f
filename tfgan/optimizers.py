"""The ``GAN``'s two optimizers: the default, and the wrapping mixed precision needs."""

import keras


def default_optimizer() -> keras.optimizers.Optimizer:
    """The DCGAN paper's optimizer: Adam, learning rate 2e-4, beta_1 0.5, beta_2 0.999."""
    return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5, beta_2=0.999)


def prepare(optimizer) -> keras.optimizers.Optimizer:
    """The optimizer a ``GAN`` trains with, given what ``compile()`` received.

    Args:
        optimizer: an optimizer, a Keras optimizer name (e.g. ``"adam"``) or ``None`` (the
            :func:`default_optimizer`).

    Returns:
        The optimizer, wrapped in a ``keras.optimizers.LossScaleOptimizer`` (dynamic loss
        scaling) when the global dtype policy is ``mixed_float16`` and it is not one already.
    """
    optimizer = default_optimizer() if optimizer is None else optimizer
    if isinstance(optimizer, str):
        optimizer = keras.optimizers.get(optimizer)
    if keras.config.dtype_policy().name == "mixed_float16" and not isinstance(
            optimizer, keras.optimizers.LossScaleOptimizer):
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer
