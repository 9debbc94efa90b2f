"""Generator and discriminator builders, selected by architecture name.

Both builders return functional ``keras.Model`` objects working on NHWC images in ``[-1, 1]``:

* ``build_generator(arch, image_shape, latent_dim, num_classes=None, ...)`` maps ``z``
  (float ``[batch, latent_dim]``), plus an int32 ``label`` ``[batch]`` when ``num_classes`` is
  given, to a float32 image batch ``[batch, H, W, C]`` through a final ``tanh``.
* ``build_discriminator(arch, image_shape, num_classes=None, ...)`` maps an ``image`` batch
  ``[batch, H, W, C]`` (plus ``label`` when conditional) to float32 logits ``[batch, 1]``. There
  is no sigmoid: every loss in :mod:`tfgan.losses` works on logits, and WGAN critics need the
  raw score anyway.

Architectures (``ARCHITECTURES``):

``"mlp"``
    The original GAN. G: ``Dense 128 -> 256 -> 512 -> 1024`` (BatchNorm on all but the first,
    LeakyReLU(0.2)) then ``Dense(H*W*C)`` and tanh. D: flatten, ``Dense 512 -> 256`` with
    LeakyReLU(0.2), ``Dense(1)``. Any image size and channel count.
``"dcgan"``
    Upsampling DCGAN for small images such as MNIST. G: ``Dense -> (H/4, W/4, 128)``, BatchNorm,
    LeakyReLU, then twice ``UpSampling2D(2) + Conv 3x3 + BatchNorm + LeakyReLU`` (128 then 64
    filters) and a ``Conv 3x3`` to ``C`` channels with tanh. D: four ``Conv 3x3 stride 2`` blocks
    with 16-32-64-128 filters, then ``Dense(1)``. ``H`` and ``W`` must be divisible by 4.
``"dcgan_transpose"``
    The DCGAN paper's all-convolutional pair (anime faces). G reshapes ``z`` to ``1x1`` and grows
    it with 4x4 transposed convolutions (``4 -> 8 -> 16 -> 32``), halving the filters each time
    down to ``ngf``, then a last transposed convolution to ``C`` channels: 4x4 stride 2 for 32
    and 64 pixels, 5x5 stride 3 for 96 pixels. D mirrors it down to ``4x4`` and ends in a 4x4
    valid convolution to one logit. Square 32, 64 or 96 pixel images only.

Conditional models (``num_classes`` given) look the label up in an ``Embedding(num_classes,
label_embedding_dim)``. The generator concatenates the embedding to ``z``. The ``mlp``
discriminator concatenates it to the flattened image; the convolutional discriminators project
it with a ``Dense(H*W)`` to one extra ``H x W`` feature map concatenated to the image channels.

Choices worth knowing (see also the builders' docstrings):

* ``base_filters`` is the width of the narrowest hidden layer; the other widths are the
  reference multiples of it. Defaults: mlp G 128 (128-256-512-1024), mlp D 256 (512-256),
  dcgan G 64 (128-64), dcgan D 16 (16-32-64-128), dcgan_transpose 64 (``ngf``/``ndf``).
* Convolutional architectures use the DCGAN paper's initialisation: kernels ``N(0, 0.02)``,
  BatchNorm gamma ``N(1, 0.02)``. The ``mlp`` architecture keeps Keras' defaults (Glorot
  uniform), close to the PyTorch defaults the reference MLP GAN was trained with.
* BatchNorm uses PyTorch's defaults, ``momentum=0.9`` (Keras convention), ``epsilon=1e-5``. The
  reference code's ``BatchNorm(n, 0.8)`` set epsilon to 0.8 by mistake; that is not copied.
* The ``dcgan`` generator adds a LeakyReLU after the first BatchNorm (the reference code had no
  non-linearity between the projection and the first convolution, two linear maps in a row).
* The discriminator's ``norm`` applies to every hidden block except the first (DCGAN rule); for
  ``mlp`` the reference has no normalisation, so ``norm="batch"`` adds none there while
  ``norm="layer"`` is honoured. Layer normalisation of a convolutional feature map normalises
  each sample over ``(H, W, C)`` (as in the WGAN-GP reference code), never across the batch, so
  the per-sample gradient penalty stays valid.
* Block order in the discriminator is ``conv/dense -> norm -> LeakyReLU(0.2) -> dropout``.
  Dropout is element-wise ``keras.layers.Dropout`` (not the reference's channel dropout).
* Label embeddings are initialised ``N(0, 1)`` (PyTorch's ``nn.Embedding`` default) so that the
  label starts on the same scale as ``z``.
* ``spectral_norm=True`` wraps every ``Dense``/``Conv2D`` of the discriminator (including the
  label projection and the logits layer) in ``keras.layers.SpectralNormalization``, except the
  ``mlp`` input layer, which the reference cGAN leaves unnormalised: normalised, it bounds the
  weight the 32-d label can get against the 784 pixels, and the conditional generator learned
  the requested digit for only about half of its samples (measured). That wrapper
  renormalises the kernel in place and updates its power-iteration vector only when called with
  ``training=True``.
* Mixed precision: hidden layers follow the global dtype policy; the generator's tanh and the
  discriminator's logits layer are float32 layers, so outputs are always float32.
"""

import numbers
from typing import NamedTuple, Optional, Sequence

import keras

from tfgan import _checks
from tfgan import layers
from tfgan import names

ARCHITECTURES = names.ARCHITECTURES
NORMALIZATIONS = names.NORMALIZATIONS

# Image sizes the dcgan_transpose networks support.
TRANSPOSE_SIZES = names.TRANSPOSE_SIZES

_LEAKY_SLOPE = 0.2
_BN_MOMENTUM = 0.9  # PyTorch momentum 0.1 in Keras' convention.
_BN_EPSILON = 1e-5
_LN_EPSILON = 1e-5
_INIT_STDDEV = 0.02

# Width of the narrowest hidden layer, by (arch, network).
_DEFAULT_BASE_FILTERS = {
    ("mlp", "generator"): 128,
    ("mlp", "discriminator"): 256,
    ("dcgan", "generator"): 64,
    ("dcgan", "discriminator"): 16,
    ("dcgan_transpose", "generator"): 64,
    ("dcgan_transpose", "discriminator"): 64,
}


# --------------------------------------------------------------------------------------------
# Validation.


_is_int = _checks.is_int
_check_positive_int = _checks.positive_int


def _check_arch(arch) -> str:
    return _checks.one_of("arch", arch, ARCHITECTURES)


def _check_image_shape(arch: str, image_shape) -> tuple:
    """Returns ``image_shape`` as a tuple ``(H, W, C)`` of ints, checked against ``arch``."""
    if (
        not isinstance(image_shape, (tuple, list))
        or len(image_shape) != 3
        or not all(_is_int(d) and d > 0 for d in image_shape)
    ):
        raise ValueError(
            f"image_shape must be a 3-tuple of positive ints (height, width, channels), "
            f"got {image_shape!r}"
        )
    height, width, channels = (int(d) for d in image_shape)
    if arch == "dcgan" and (height % 4 or width % 4):
        raise ValueError(
            f"image_shape height and width must be divisible by 4 for arch 'dcgan', "
            f"got {image_shape!r}"
        )
    if arch == "dcgan_transpose":
        if height != width:
            raise ValueError(
                f"image_shape must be square for arch 'dcgan_transpose', got {image_shape!r}"
            )
        if height not in TRANSPOSE_SIZES:
            sizes = ", ".join(str(s) for s in TRANSPOSE_SIZES)
            raise ValueError(
                f"image_shape size for arch 'dcgan_transpose' must be one of {sizes} "
                f"(square), got {image_shape!r}"
            )
    return height, width, channels


def _check_num_classes(num_classes) -> Optional[int]:
    if num_classes is None:
        return None
    if not _is_int(num_classes) or num_classes < 2:
        raise ValueError(f"num_classes must be None or an integer >= 2, got {num_classes!r}")
    return int(num_classes)


def _check_base_filters(arch: str, network: str, base_filters) -> int:
    if base_filters is None:
        return _DEFAULT_BASE_FILTERS[(arch, network)]
    return _check_positive_int("base_filters", base_filters)


# --------------------------------------------------------------------------------------------
# Layer helpers.


class _Options(NamedTuple):
    """How hidden layers of one network are made."""

    dcgan_init: bool  # N(0, 0.02) kernels and N(1, 0.02) BatchNorm gamma.
    norm: str = "batch"  # Discriminator only; generators always use BatchNorm.
    spectral_norm: bool = False
    dropout: float = 0.0
    sync_batch_norm: bool = False  # Batch statistics over all replicas of a tf.distribute run.
    minibatch_std: int = 0  # Discriminator only: group size of a MinibatchStdDev layer (0: none).


def _kernel_init(dcgan_init: bool = True):
    """A fresh kernel initializer: N(0, 0.02) (DCGAN paper) or Keras' Glorot uniform."""
    if dcgan_init:
        return keras.initializers.RandomNormal(mean=0.0, stddev=_INIT_STDDEV)
    return keras.initializers.GlorotUniform()


def _gamma_init(dcgan_init: bool = True):
    if dcgan_init:
        return keras.initializers.RandomNormal(mean=1.0, stddev=_INIT_STDDEV)
    return keras.initializers.Ones()


def _batch_norm(opts: _Options) -> keras.layers.Layer:
    return layers.FusedBatchNormalization(
        momentum=_BN_MOMENTUM, epsilon=_BN_EPSILON, gamma_initializer=_gamma_init(opts.dcgan_init),
        synchronized=opts.sync_batch_norm,
    )


def _norm_layer(opts: _Options, *, spatial: bool) -> Optional[keras.layers.Layer]:
    """The discriminator normalisation layer for ``opts.norm``, or None for ``"none"``.

    Args:
        opts: the network's options.
        spatial: True for a ``[batch, H, W, C]`` feature map, False for ``[batch, units]``.
    """
    if opts.norm == "batch":
        return _batch_norm(opts)
    if opts.norm == "layer":
        # Per sample over all non-batch axes; never mixes samples.
        axis = (1, 2, 3) if spatial else -1
        return keras.layers.LayerNormalization(axis=axis, epsilon=_LN_EPSILON)
    return None


def _maybe_spectral(layer: keras.layers.Layer, opts: _Options, **wrapper_kwargs):
    if opts.spectral_norm:
        return keras.layers.SpectralNormalization(layer, **wrapper_kwargs)
    return layer


def _dense(units: int, opts: _Options, *, use_bias: bool = True, **kwargs):
    return keras.layers.Dense(
        units, use_bias=use_bias, kernel_initializer=_kernel_init(opts.dcgan_init), **kwargs
    )


def _conv(filters, kernel_size, strides, opts: _Options, *, transpose=False, padding="same",
          use_bias=True, **kwargs):
    """A ``Conv2D`` (or ``Conv2DTranspose`` with ``transpose=True``) with the network's init."""
    layer_class = keras.layers.Conv2DTranspose if transpose else keras.layers.Conv2D
    return layer_class(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
        kernel_initializer=_kernel_init(opts.dcgan_init),
        **kwargs,
    )


def _leaky_relu():
    return keras.layers.LeakyReLU(negative_slope=_LEAKY_SLOPE)


def _generator_block(x, layer, opts: _Options, *, normalize=True, activation="leaky_relu"):
    """``layer -> [BatchNorm] -> LeakyReLU(0.2) or ReLU``.

    Callers build ``layer`` without a bias when it is normalised (BatchNorm's beta replaces it).
    """
    x = layer(x)
    if normalize:
        x = _batch_norm(opts)(x)
    return _leaky_relu()(x) if activation == "leaky_relu" else keras.layers.ReLU()(x)


def _discriminator_block(x, make_layer, opts: _Options, *, normalize: bool, spatial: bool):
    """``[spectral norm](layer) -> [norm] -> LeakyReLU(0.2) -> [dropout]``.

    Args:
        x: input tensor.
        make_layer: callable ``use_bias -> layer``; the bias is dropped when a norm layer with
            its own offset follows.
        opts: the network's options.
        normalize: whether this block may be normalised (False for the first block).
        spatial: whether ``x`` is a feature map (for layer normalisation's axes).
    """
    norm = _norm_layer(opts, spatial=spatial) if normalize else None
    x = _maybe_spectral(make_layer(norm is None), opts)(x)
    if norm is not None:
        x = norm(x)
    x = _leaky_relu()(x)
    if opts.dropout > 0:
        x = keras.layers.Dropout(opts.dropout)(x)
    return x


def _label_input_and_embedding(num_classes: int, embedding_dim: int):
    """Returns the int32 ``label`` input ``[batch]`` and its embedding ``[batch, dim]``."""
    label = keras.Input(shape=(), dtype="int32", name="label")
    embedding = keras.layers.Embedding(
        num_classes,
        embedding_dim,
        embeddings_initializer=keras.initializers.RandomNormal(mean=0.0, stddev=1.0),
        name="label_embedding",
    )(label)
    return label, embedding


# --------------------------------------------------------------------------------------------
# Generators. Each body maps the (possibly label-augmented) latent vector to pre-tanh images.


def _mlp_generator(h, image_shape, base, opts: _Options):
    for i, multiple in enumerate((1, 2, 4, 8)):
        first = i == 0
        h = _generator_block(h, _dense(base * multiple, opts, use_bias=first), opts,
                             normalize=not first)
    height, width, channels = image_shape
    h = _dense(height * width * channels, opts)(h)
    return keras.layers.Reshape(image_shape)(h)


def _dcgan_generator(h, image_shape, base, opts: _Options):
    height, width, channels = image_shape
    start = (height // 4, width // 4, 2 * base)
    h = _dense(start[0] * start[1] * start[2], opts, use_bias=False)(h)
    h = keras.layers.Reshape(start)(h)
    h = _batch_norm(opts)(h)
    h = _leaky_relu()(h)
    for filters in (2 * base, base):
        h = keras.layers.UpSampling2D(2)(h)
        h = _generator_block(h, _conv(filters, 3, 1, opts, use_bias=False), opts)
    return _conv(channels, 3, 1, opts)(h)


def _transpose_stages(size: int) -> int:
    """Number of stride-2 stages between the 4x4 map and the last (output) resolution step."""
    # 32: 4 -> 8 -> 16, then 16 -> 32.  64: 4 -> 8 -> 16 -> 32, then 32 -> 64.
    # 96: 4 -> 8 -> 16 -> 32, then 32 -> 96 with a 5x5 stride-3 transposed convolution.
    return {32: 2, 64: 3, 96: 3}[size]


def _dcgan_transpose_generator(h, image_shape, base, opts: _Options):
    size, _, channels = image_shape
    stages = _transpose_stages(size)
    h = keras.layers.Reshape((1, 1, h.shape[-1]))(h)
    h = _generator_block(
        h, _conv(base * 2**stages, 4, 1, opts, transpose=True, padding="valid",
              use_bias=False), opts,
        activation="relu",
    )  # 4x4
    for stage in range(stages - 1, -1, -1):
        h = _generator_block(
            h, _conv(base * 2**stage, 4, 2, opts, transpose=True, use_bias=False), opts,
            activation="relu",
        )
    # 'same' padding makes the output exactly stride x input: 32*3 = 96, 32*2 = 64, 16*2 = 32.
    if size == 96:
        return _conv(channels, 5, 3, opts, transpose=True)(h)
    return _conv(channels, 4, 2, opts, transpose=True)(h)


_GENERATORS = {
    "mlp": _mlp_generator,
    "dcgan": _dcgan_generator,
    "dcgan_transpose": _dcgan_transpose_generator,
}


def build_generator(
    arch: str,
    image_shape: Sequence[int],
    latent_dim: int,
    num_classes: Optional[int] = None,
    *,
    label_embedding_dim: int = 32,
    base_filters: Optional[int] = None,
    sync_batch_norm: bool = False,
    name: str = "generator",
) -> keras.Model:
    """Builds a generator network.

    Args:
        arch: one of ``ARCHITECTURES``: ``"mlp"``, ``"dcgan"`` or ``"dcgan_transpose"``.
        image_shape: ``(H, W, C)`` of the generated images. ``"dcgan"`` needs ``H`` and ``W``
            divisible by 4; ``"dcgan_transpose"`` needs square 32, 64 or 96 pixel images.
        latent_dim: size of the latent vector ``z``.
        num_classes: number of classes for a conditional generator, or None.
        label_embedding_dim: size of the label embedding concatenated to ``z``.
        base_filters: width of the narrowest hidden layer (``ngf`` for ``"dcgan_transpose"``);
            None for the architecture's default (mlp 128, dcgan 64, dcgan_transpose 64).
        sync_batch_norm: compute BatchNorm statistics over the global batch of all replicas
            (``synchronized=True``), so a step does not depend on how the batch is split.
        name: the model's name.

    Returns:
        A functional ``keras.Model``. Unconditional: input ``z`` float ``[batch, latent_dim]``.
        Conditional: inputs ``[z, label]`` with ``label`` int32 ``[batch]``. Output: float32
        images ``[batch, H, W, C]`` in ``[-1, 1]``, whatever the global dtype policy.

    Raises:
        ValueError: for an unknown ``arch``, an invalid or unsupported ``image_shape``, a
            non-positive ``latent_dim``, ``label_embedding_dim`` or ``base_filters``, or
            ``num_classes < 2``.
    """
    arch = _check_arch(arch)
    image_shape = _check_image_shape(arch, image_shape)
    latent_dim = _check_positive_int("latent_dim", latent_dim)
    num_classes = _check_num_classes(num_classes)
    label_embedding_dim = _check_positive_int("label_embedding_dim", label_embedding_dim)
    base = _check_base_filters(arch, "generator", base_filters)
    opts = _Options(dcgan_init=arch != "mlp", sync_batch_norm=bool(sync_batch_norm))

    z = keras.Input(shape=(latent_dim,), name="z")
    inputs, h = [z], z
    if num_classes is not None:
        label, embedding = _label_input_and_embedding(num_classes, label_embedding_dim)
        inputs.append(label)
        h = keras.layers.Concatenate(name="z_and_label")([z, embedding])
    x = _GENERATORS[arch](h, image_shape, base, opts)
    images = keras.layers.Activation("tanh", dtype="float32", name="images")(x)
    return keras.Model(inputs if len(inputs) > 1 else z, images, name=name)


# --------------------------------------------------------------------------------------------
# Discriminators. Each body maps images (and the label embedding or None) to float32 logits.


def _float32_output_layer(layer: keras.layers.Layer, opts: _Options, name: str):
    """Wraps a ``dtype="float32"`` output layer in (float32) spectral norm if asked.

    The wrapper casts its output to its input's dtype, so it must compute in float32 as well.
    """
    if opts.spectral_norm:
        return keras.layers.SpectralNormalization(layer, dtype="float32", name=name)
    return layer


def _logits_dense(x, opts: _Options):
    """The final ``Dense(1)``, computing in float32 under any dtype policy."""
    name = "logits"
    layer = _dense(1, opts, dtype="float32", name=None if opts.spectral_norm else name)
    return _float32_output_layer(layer, opts, name)(x)


def _maybe_minibatch_std(x, opts: _Options):
    """Appends ``layers.MinibatchStdDev`` when ``opts.minibatch_std`` asks for it."""
    if not opts.minibatch_std:
        return x
    return layers.MinibatchStdDev(opts.minibatch_std, name="minibatch_std")(x)


def _with_label_map(images, embedding, opts: _Options):
    """Appends the label as one extra ``H x W`` channel (projected embedding) to ``images``."""
    if embedding is None:
        return images
    height, width = images.shape[1], images.shape[2]
    label_map = _maybe_spectral(_dense(height * width, opts), opts)(embedding)
    label_map = keras.layers.Reshape((height, width, 1))(label_map)
    return keras.layers.Concatenate(axis=-1, name="image_and_label")([images, label_map])


def _mlp_discriminator(images, embedding, base, opts: _Options):
    h = keras.layers.Flatten()(images)
    if embedding is not None:
        h = keras.layers.Concatenate(name="image_and_label")([h, embedding])
    for i, multiple in enumerate((2, 1)):
        # The reference MLP discriminator has no normalisation: only "layer" is honoured.
        normalize = i > 0 and opts.norm == "layer"
        # The reference cGAN leaves its input layer (image + label -> 512) unnormalised: a
        # spectrally normalised input layer starves the label of weight (see module notes).
        block_opts = opts._replace(spectral_norm=False) if i == 0 else opts
        h = _discriminator_block(
            h, lambda bias, u=base * multiple: _dense(u, opts, use_bias=bias), block_opts,
            normalize=normalize, spatial=False,
        )
    return _logits_dense(_maybe_minibatch_std(h, opts), opts)


def _dcgan_discriminator(images, embedding, base, opts: _Options):
    h = _with_label_map(images, embedding, opts)
    for i, multiple in enumerate((1, 2, 4, 8)):
        if i == 3:  # before the last block, at 4x4 for MNIST (as Karras et al.)
            h = _maybe_minibatch_std(h, opts)
        h = _discriminator_block(
            h, lambda bias, f=base * multiple: _conv(f, 3, 2, opts, use_bias=bias), opts,
            normalize=i > 0, spatial=True,
        )
    h = keras.layers.Flatten()(h)
    return _logits_dense(h, opts)


def _dcgan_transpose_discriminator(images, embedding, base, opts: _Options):
    size = images.shape[1]
    stages = _transpose_stages(size)
    h = _with_label_map(images, embedding, opts)
    # First block, never normalised: 96 -> 32 (5x5 stride 3), 64 -> 32 or 32 -> 16 (4x4 s2).
    kernel, stride = (5, 3) if size == 96 else (4, 2)
    h = _discriminator_block(
        h, lambda bias: _conv(base, kernel, stride, opts, use_bias=bias), opts,
        normalize=False, spatial=True,
    )
    for stage in range(1, stages + 1):  # Down to 4x4, doubling the filters.
        h = _discriminator_block(
            h, lambda bias, f=base * 2**stage: _conv(f, 4, 2, opts, use_bias=bias), opts,
            normalize=True, spatial=True,
        )
    h = _maybe_minibatch_std(h, opts)
    layer = _conv(1, 4, 1, opts, padding="valid", dtype="float32")  # 4x4 -> 1x1
    h = _float32_output_layer(layer, opts, "logits_map")(h)
    return keras.layers.Reshape((1,), dtype="float32", name="logits")(h)


_DISCRIMINATORS = {
    "mlp": _mlp_discriminator,
    "dcgan": _dcgan_discriminator,
    "dcgan_transpose": _dcgan_transpose_discriminator,
}


def build_discriminator(
    arch: str,
    image_shape: Sequence[int],
    num_classes: Optional[int] = None,
    *,
    norm: str = "batch",
    spectral_norm: bool = False,
    dropout: float = 0.0,
    label_embedding_dim: int = 32,
    base_filters: Optional[int] = None,
    sync_batch_norm: bool = False,
    minibatch_std: int = 0,
    name: str = "discriminator",
) -> keras.Model:
    """Builds a discriminator (or WGAN critic) network returning logits.

    Args:
        arch: one of ``ARCHITECTURES``: ``"mlp"``, ``"dcgan"`` or ``"dcgan_transpose"``.
        image_shape: ``(H, W, C)`` of the images. ``"dcgan"`` needs ``H`` and ``W`` divisible
            by 4; ``"dcgan_transpose"`` needs square 32, 64 or 96 pixel images.
        num_classes: number of classes for a conditional discriminator, or None.
        norm: one of ``NORMALIZATIONS``, applied to every hidden block but the first.
            ``"batch"``: BatchNormalization (momentum 0.9, epsilon 1e-5); ignored by ``"mlp"``,
            whose reference has no normalisation. ``"layer"``: per-sample LayerNormalization,
            for WGAN-GP critics (BatchNorm couples the samples the gradient penalty treats
            separately). ``"none"``: no normalisation.
        spectral_norm: wrap every Dense/Conv2D layer in ``keras.layers.SpectralNormalization``
            (the power iteration runs on calls with ``training=True``).
        dropout: dropout rate in ``[0, 1)`` after each hidden activation; 0 adds no layer.
        label_embedding_dim: size of the label embedding.
        base_filters: width of the narrowest hidden layer (``ndf`` for ``"dcgan_transpose"``);
            None for the architecture's default (mlp 256, dcgan 16, dcgan_transpose 64).
        sync_batch_norm: compute BatchNorm statistics over the global batch of all replicas.
        minibatch_std: group size of a ``tfgan.layers.MinibatchStdDev`` layer (the group's
            feature spread as one more channel, for variety), or 0 for none. It goes before
            the last convolution block (``"dcgan"``), before the 4x4 logits convolution
            (``"dcgan_transpose"``) or before the logits layer (``"mlp"``). Groups are per
            replica under ``tf.distribute``.
        name: the model's name.

    Returns:
        A functional ``keras.Model``. Unconditional: input ``image`` ``[batch, H, W, C]``.
        Conditional: inputs ``[image, label]`` with ``label`` int32 ``[batch]``. Output: float32
        logits ``[batch, 1]`` (no sigmoid), whatever the global dtype policy.

    Raises:
        ValueError: for an unknown ``arch`` or ``norm``, an invalid or unsupported
            ``image_shape``, ``num_classes < 2``, ``dropout`` outside ``[0, 1)``, a
            non-positive ``label_embedding_dim`` or ``base_filters``, or a negative
            ``minibatch_std``.
    """
    arch = _check_arch(arch)
    image_shape = _check_image_shape(arch, image_shape)
    num_classes = _check_num_classes(num_classes)
    _checks.one_of("norm", norm, NORMALIZATIONS)
    if not isinstance(dropout, numbers.Real) or isinstance(dropout, bool) \
            or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    label_embedding_dim = _check_positive_int("label_embedding_dim", label_embedding_dim)
    base = _check_base_filters(arch, "discriminator", base_filters)
    opts = _Options(
        dcgan_init=arch != "mlp", norm=norm, spectral_norm=bool(spectral_norm),
        dropout=float(dropout), sync_batch_norm=bool(sync_batch_norm),
        minibatch_std=_checks.non_negative_int("minibatch_std", minibatch_std, "(0: none)"),
    )

    images = keras.Input(shape=image_shape, name="image")
    inputs, embedding = [images], None
    if num_classes is not None:
        label, embedding = _label_input_and_embedding(num_classes, label_embedding_dim)
        inputs.append(label)
    logits = _DISCRIMINATORS[arch](images, embedding, base, opts)
    return keras.Model(inputs if len(inputs) > 1 else images, logits, name=name)
