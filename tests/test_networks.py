"""Tests for tfgan.networks: shapes, dtypes, variants, initialisation, validation, serialization."""

import numpy as np
import pytest
import tensorflow as tf

import keras

from tfgan import networks

BATCH = 4
LATENT = 8

# (arch, image_shape, base_filters) small enough to build and run in well under a second.
CASES = [
    ("mlp", (16, 16, 1), 16),
    ("mlp", (28, 28, 1), None),
    ("dcgan", (16, 16, 1), 8),
    ("dcgan", (28, 28, 1), None),
    ("dcgan", (16, 12, 3), 8),  # Non-square is fine for dcgan.
    ("dcgan_transpose", (32, 32, 3), 8),
]
CASE_IDS = [f"{a}-{'x'.join(map(str, s))}" for a, s, _ in CASES]


def _latent(batch=BATCH, seed=0):
    return tf.random.stateless_normal((batch, LATENT), seed=(seed, 1))


def _labels(batch=BATCH, num_classes=10):
    return tf.constant(np.arange(batch) % num_classes, dtype=tf.int32)


def _images(shape, batch=BATCH, seed=0):
    return tf.random.stateless_uniform((batch,) + tuple(shape), seed=(seed, 2), minval=-1.0,
                                       maxval=1.0)


def _layers_of(model, layer_type):
    return [layer for layer in model.layers if isinstance(layer, layer_type)]


def _kernel_layers(model):
    """Dense/Conv layers, looking inside wrappers."""
    found = []
    for layer in model.layers:
        inner = layer.layer if isinstance(layer, keras.layers.Wrapper) else layer
        if isinstance(inner, (keras.layers.Dense, keras.layers.Conv2D,
                              keras.layers.Conv2DTranspose)):
            found.append(inner)
    return found


@pytest.fixture(params=["mixed_bfloat16", "mixed_float16"])
def mixed_policy(request):
    keras.mixed_precision.set_global_policy(request.param)
    try:
        yield request.param
    finally:
        keras.mixed_precision.set_global_policy("float32")


# ---------------------------------------------------------------------------------------------
# Shapes and dtypes.


@pytest.mark.parametrize("conditional", [False, True], ids=["uncond", "cond"])
@pytest.mark.parametrize("arch,shape,base", CASES, ids=CASE_IDS)
def test_generator_output(arch, shape, base, conditional):
    num_classes = 10 if conditional else None
    g = networks.build_generator(arch, shape, LATENT, num_classes, base_filters=base)
    inputs = [_latent(), _labels()] if conditional else _latent()
    assert len(g.inputs) == (2 if conditional else 1)
    assert g.inputs[0].shape == (None, LATENT)
    for training in (True, False):
        images = g(inputs, training=training)
        assert images.shape == (BATCH,) + shape
        assert images.dtype == tf.float32
        values = images.numpy()
        assert np.all(np.isfinite(values))
        assert values.min() >= -1.0 and values.max() <= 1.0


@pytest.mark.parametrize("conditional", [False, True], ids=["uncond", "cond"])
@pytest.mark.parametrize("arch,shape,base", CASES, ids=CASE_IDS)
def test_discriminator_output(arch, shape, base, conditional):
    num_classes = 10 if conditional else None
    d = networks.build_discriminator(arch, shape, num_classes, base_filters=base, dropout=0.25)
    inputs = [_images(shape), _labels()] if conditional else _images(shape)
    assert tuple(d.inputs[0].shape) == (None,) + shape
    for training in (True, False):
        logits = d(inputs, training=training)
        assert logits.shape == (BATCH, 1)
        assert logits.dtype == tf.float32
        assert np.all(np.isfinite(logits.numpy()))


def test_label_input_is_int32_vector():
    g = networks.build_generator("dcgan", (16, 16, 1), LATENT, 10, base_filters=8)
    d = networks.build_discriminator("dcgan", (16, 16, 1), 10, base_filters=8)
    for model in (g, d):
        label = model.inputs[1]
        assert label.dtype == "int32"
        assert tuple(label.shape) == (None,)
        assert model.get_layer("label_embedding").output_dim == 32


@pytest.mark.parametrize("size,base", [(96, 4), (64, 4)])
def test_dcgan_transpose_large_sizes_exact(size, base):
    shape = (size, size, 3)
    g = networks.build_generator("dcgan_transpose", shape, LATENT, base_filters=base)
    d = networks.build_discriminator("dcgan_transpose", shape, base_filters=base)
    assert tuple(g.output.shape) == (None,) + shape
    assert tuple(d.output.shape) == (None, 1)
    images = g(_latent(2), training=False)
    assert images.shape == (2,) + shape
    assert d(images, training=False).shape == (2, 1)
    # No pooling anywhere; a 4x4 -> 1x1 valid convolution makes the logit.
    for model in (g, d):
        assert not any("Pooling" in type(layer).__name__ for layer in model.layers)
    transposed = _layers_of(g, keras.layers.Conv2DTranspose)
    assert transposed[0].output.shape[1:3] == (4, 4)
    assert transposed[0].filters == base * 8  # ngf * 8 at 4x4
    assert transposed[-2].filters == base  # ngf before the output layer
    if size == 96:
        assert transposed[-1].kernel_size == (5, 5) and transposed[-1].strides == (3, 3)
    assert _kernel_layers(d)[-1].output.shape[1:] == (1, 1, 1)


def test_dcgan_transpose_default_filters():
    d = networks.build_discriminator("dcgan_transpose", (64, 64, 3))
    g = networks.build_generator("dcgan_transpose", (64, 64, 3), LATENT)
    assert [layer.filters for layer in _kernel_layers(d)] == [64, 128, 256, 512, 1]
    assert [layer.filters for layer in _kernel_layers(g)] == [512, 256, 128, 64, 3]


def test_reference_widths():
    g = networks.build_generator("mlp", (28, 28, 1), LATENT)
    d = networks.build_discriminator("mlp", (28, 28, 1))
    assert [layer.units for layer in _kernel_layers(g)] == [128, 256, 512, 1024, 784]
    assert [layer.units for layer in _kernel_layers(d)] == [512, 256, 1]
    assert len(_layers_of(g, keras.layers.BatchNormalization)) == 3  # not on the first layer
    g = networks.build_generator("dcgan", (28, 28, 1), LATENT)
    d = networks.build_discriminator("dcgan", (28, 28, 1))
    assert tuple(g.layers[2].output.shape) == (None, 7, 7, 128)  # Dense -> reshape (H/4, W/4)
    assert [layer.filters for layer in _kernel_layers(g)[1:]] == [128, 64, 1]
    assert [layer.filters for layer in _kernel_layers(d)[:-1]] == [16, 32, 64, 128]


def test_batch_norm_uses_pytorch_defaults():
    g = networks.build_generator("mlp", (16, 16, 1), LATENT)
    d = networks.build_discriminator("dcgan", (16, 16, 1))
    for bn in _layers_of(g, keras.layers.BatchNormalization) + _layers_of(
        d, keras.layers.BatchNormalization
    ):
        assert bn.momentum == pytest.approx(0.9)
        assert bn.epsilon == pytest.approx(1e-5)


# ---------------------------------------------------------------------------------------------
# Critic variants.


@pytest.mark.parametrize("arch,shape,base", CASES, ids=CASE_IDS)
def test_discriminator_norms(arch, shape, base):
    def norm_layers(model):
        return _layers_of(
            model, (keras.layers.BatchNormalization, keras.layers.LayerNormalization,
                    keras.layers.GroupNormalization)
        )

    batch = networks.build_discriminator(arch, shape, norm="batch", base_filters=base)
    layer = networks.build_discriminator(arch, shape, norm="layer", base_filters=base)
    none = networks.build_discriminator(arch, shape, norm="none", base_filters=base)
    assert not _layers_of(layer, keras.layers.BatchNormalization)
    assert _layers_of(layer, keras.layers.LayerNormalization)
    assert not norm_layers(none)
    if arch == "mlp":  # The reference MLP discriminator has no BatchNorm.
        assert not norm_layers(batch)
    else:  # Every block but the first.
        assert len(_layers_of(batch, keras.layers.BatchNormalization)) == len(
            _kernel_layers(batch)) - 2
    x = _images(shape)
    assert layer(x, training=True).shape == (BATCH, 1)
    assert none(x, training=True).shape == (BATCH, 1)


@pytest.mark.parametrize("arch,shape,base", [CASES[0], CASES[2], CASES[5]],
                         ids=[CASE_IDS[0], CASE_IDS[2], CASE_IDS[5]])
def test_layer_norm_critic_is_per_sample(arch, shape, base):
    """A WGAN-GP critic's output for one sample must not depend on the rest of the batch."""
    d = networks.build_discriminator(arch, shape, norm="layer", base_filters=base)
    x = _images(shape, batch=BATCH)
    full = d(x, training=True).numpy()
    single = np.concatenate([d(x[i:i + 1], training=True).numpy() for i in range(BATCH)])
    np.testing.assert_allclose(full, single, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("conditional", [False, True], ids=["uncond", "cond"])
@pytest.mark.parametrize("arch,shape,base", CASES, ids=CASE_IDS)
def test_spectral_norm_wraps_every_kernel_layer(arch, shape, base, conditional):
    """Every kernel layer, except the mlp's input layer (unnormalised in the reference)."""
    num_classes = 10 if conditional else None
    d = networks.build_discriminator(arch, shape, num_classes, spectral_norm=True,
                                     base_filters=base)
    kernel_layer_types = (keras.layers.Dense, keras.layers.Conv2D)
    bare = [layer for layer in d.layers if isinstance(layer, kernel_layer_types)]
    wrapped = _layers_of(d, keras.layers.SpectralNormalization)
    if arch == "mlp":
        flat_size = shape[0] * shape[1] * shape[2] + (32 if conditional else 0)
        assert len(bare) == 1 and bare[0].kernel.shape[0] == flat_size
    else:
        assert not bare
    assert all(isinstance(w.layer, kernel_layer_types) for w in wrapped)
    plain = networks.build_discriminator(arch, shape, num_classes, base_filters=base)
    assert len(wrapped) + len(bare) == len(_kernel_layers(plain))
    inputs = [_images(shape), _labels()] if conditional else _images(shape)
    assert d(inputs, training=True).shape == (BATCH, 1)


def test_spectral_norm_trains():
    """Power iteration runs in training mode only, and drives the kernels' norm to 1."""
    shape = (16, 16, 1)
    d = networks.build_discriminator("dcgan", shape, 10, spectral_norm=True, base_filters=4,
                                     norm="none")
    inputs = [_images(shape), _labels()]
    wrappers = _layers_of(d, keras.layers.SpectralNormalization)
    u_before = [w.vector_u.numpy().copy() for w in wrappers]
    d(inputs, training=False)
    for w, u in zip(wrappers, u_before):
        np.testing.assert_array_equal(w.vector_u.numpy(), u)
    d(inputs, training=True)
    assert all(not np.allclose(w.vector_u.numpy(), u) for w, u in zip(wrappers, u_before))
    for _ in range(30):
        d(inputs, training=True)
    for w in wrappers:
        kernel = w.layer.kernel.numpy().reshape(-1, w.layer.kernel.shape[-1])
        assert np.linalg.norm(kernel, 2) == pytest.approx(1.0, rel=0.05)
    # And gradients reach every trainable weight.
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(d(inputs, training=True))
    grads = tape.gradient(loss, d.trainable_weights)
    assert all(g is not None for g in grads)


# ---------------------------------------------------------------------------------------------
# Initialisation.


@pytest.mark.parametrize("arch", ["dcgan", "dcgan_transpose"])
def test_dcgan_initialisation(arch):
    keras.utils.set_random_seed(0)
    shape = (32, 32, 3)
    g = networks.build_generator(arch, shape, 64, base_filters=32)
    d = networks.build_discriminator(arch, shape, base_filters=32)
    kernels = np.concatenate(
        [layer.kernel.numpy().ravel() for layer in _kernel_layers(g) + _kernel_layers(d)]
    )
    assert abs(kernels.mean()) < 0.002
    assert kernels.std() == pytest.approx(0.02, rel=0.05)
    gammas = np.concatenate(
        [bn.gamma.numpy() for bn in _layers_of(g, keras.layers.BatchNormalization)
         + _layers_of(d, keras.layers.BatchNormalization)]
    )
    assert gammas.mean() == pytest.approx(1.0, abs=0.01)
    assert gammas.std() == pytest.approx(0.02, rel=0.25)


# ---------------------------------------------------------------------------------------------
# Mixed precision.


@pytest.mark.parametrize("conditional", [False, True], ids=["uncond", "cond"])
@pytest.mark.parametrize("arch,shape,base", [CASES[0], CASES[2], CASES[5]],
                         ids=[CASE_IDS[0], CASE_IDS[2], CASE_IDS[5]])
def test_mixed_precision(mixed_policy, arch, shape, base, conditional):
    compute = mixed_policy.split("_")[1]
    num_classes = 10 if conditional else None
    g = networks.build_generator(arch, shape, LATENT, num_classes, base_filters=base)
    d = networks.build_discriminator(arch, shape, num_classes, base_filters=base,
                                     spectral_norm=conditional, norm="layer" if conditional
                                     else "batch")
    kernel_types = (keras.layers.Dense, keras.layers.Conv2D, keras.layers.Conv2DTranspose,
                    keras.layers.SpectralNormalization)
    for model in (g, d):
        hidden = _layers_of(model, kernel_types)[:-1]  # Outer layers (wrappers included).
        assert hidden and all(layer.compute_dtype == compute for layer in hidden)
        assert all(layer.output.dtype == compute for layer in hidden)
        assert all(layer.variable_dtype == "float32" for layer in _kernel_layers(model))
        assert model.output.dtype == "float32"
    labels = _labels()
    images = g([_latent(), labels] if conditional else _latent(), training=True)
    assert images.dtype == tf.float32 and images.shape == (BATCH,) + shape
    assert np.all(np.abs(images.numpy()) <= 1.0)
    logits = d([images, labels] if conditional else images, training=True)
    assert logits.dtype == tf.float32 and logits.shape == (BATCH, 1)
    assert np.all(np.isfinite(logits.numpy()))


def test_policy_restored_after_mixed_tests():
    assert keras.mixed_precision.global_policy().name == "float32"


# ---------------------------------------------------------------------------------------------
# Conditioning.


@pytest.mark.parametrize("arch,shape,base", [CASES[0], CASES[2], CASES[5]],
                         ids=[CASE_IDS[0], CASE_IDS[2], CASE_IDS[5]])
def test_conditional_generator_depends_on_label(arch, shape, base):
    g = networks.build_generator(arch, shape, LATENT, 10, base_filters=base)
    z = tf.repeat(_latent(1), 4, axis=0)
    labels = tf.constant([0, 0, 7, 3], tf.int32)
    # Training mode: batch statistics give O(1) activations at initialisation (in inference
    # mode the untrained moving statistics and N(0, 0.02) kernels make every image ~1e-4).
    images = g([z, labels], training=True).numpy()
    np.testing.assert_allclose(images[0], images[1], rtol=1e-5, atol=1e-6)
    assert np.abs(images[0] - images[2]).mean() > 1e-2
    assert np.abs(images[2] - images[3]).mean() > 1e-2
    # Inference mode too, relative to the (tiny) image scale.
    images = g([z, labels], training=False).numpy()
    np.testing.assert_allclose(images[0], images[1], rtol=1e-5, atol=1e-7)
    assert np.abs(images[0] - images[2]).mean() > 0.05 * np.abs(images[0]).mean()


def test_conditional_discriminator_depends_on_label():
    shape = (16, 16, 1)
    d = networks.build_discriminator("dcgan", shape, 10, base_filters=8)
    x = tf.repeat(_images(shape, batch=1), 2, axis=0)
    logits = d([x, tf.constant([1, 5], tf.int32)], training=False).numpy()
    assert abs(logits[0, 0] - logits[1, 0]) > 1e-6


# ---------------------------------------------------------------------------------------------
# Validation.


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(arch="foo"), r"arch must be one of 'mlp', 'dcgan', 'dcgan_transpose', got 'foo'"),
        (dict(image_shape=(28, 28)), r"image_shape"),
        (dict(image_shape=(28, 28, 0)), r"image_shape"),
        (dict(image_shape=(28.0, 28, 1)), r"image_shape"),
        (dict(image_shape="28x28"), r"image_shape"),
        (dict(image_shape=(30, 28, 1)), r"image_shape.*divisible by 4"),
        (dict(arch="dcgan_transpose", image_shape=(48, 48, 3)), r"image_shape.*32, 64, 96"),
        (dict(arch="dcgan_transpose", image_shape=(64, 32, 3)), r"image_shape.*square"),
        (dict(num_classes=1), r"num_classes"),
        (dict(num_classes=2.5), r"num_classes"),
        (dict(label_embedding_dim=0), r"label_embedding_dim"),
        (dict(base_filters=-1), r"base_filters"),
    ],
)
@pytest.mark.parametrize("builder", ["generator", "discriminator"])
def test_shared_validation(builder, kwargs, match):
    args = dict(arch="dcgan", image_shape=(28, 28, 1))
    args.update(kwargs)
    arch, image_shape = args.pop("arch"), args.pop("image_shape")
    with pytest.raises(ValueError, match=match):
        if builder == "generator":
            networks.build_generator(arch, image_shape, LATENT, **args)
        else:
            networks.build_discriminator(arch, image_shape, **args)


@pytest.mark.parametrize("latent_dim", [0, -3, 2.0, None])
def test_latent_dim_validation(latent_dim):
    with pytest.raises(ValueError, match="latent_dim"):
        networks.build_generator("mlp", (16, 16, 1), latent_dim)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(norm="group"), r"norm must be one of 'batch', 'layer', 'none', got 'group'"),
        (dict(norm=None), r"norm must be one of"),
        (dict(dropout=1.0), r"dropout"),
        (dict(dropout=-0.1), r"dropout"),
    ],
)
def test_discriminator_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        networks.build_discriminator("dcgan", (28, 28, 1), **kwargs)


def test_mlp_accepts_any_shape():
    g = networks.build_generator("mlp", (5, 7, 2), LATENT, base_filters=4)
    d = networks.build_discriminator("mlp", (5, 7, 2), norm="layer", base_filters=4)
    assert d(g(_latent(), training=False), training=False).shape == (BATCH, 1)


# ---------------------------------------------------------------------------------------------
# Serialization.


def _assert_same_outputs(original, copy, inputs):
    copy.set_weights(original.get_weights())
    np.testing.assert_allclose(
        original(inputs, training=False).numpy(), copy(inputs, training=False).numpy(),
        rtol=1e-5, atol=1e-6,
    )


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_serialization_round_trip_conditional_spectral_dcgan(norm):
    shape = (16, 16, 1)
    d = networks.build_discriminator("dcgan", shape, 10, norm=norm, spectral_norm=True,
                                     dropout=0.2, base_filters=4, name="critic")
    inputs = [_images(shape), _labels()]
    d(inputs, training=True)  # Move the power-iteration state away from its initial value.

    from_config = keras.Model.from_config(d.get_config())
    assert from_config.name == "critic"
    assert len(_layers_of(from_config, keras.layers.SpectralNormalization)) == len(
        _layers_of(d, keras.layers.SpectralNormalization))
    _assert_same_outputs(d, from_config, inputs)

    clone = keras.models.clone_model(d)
    _assert_same_outputs(d, clone, inputs)

    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(d))
    _assert_same_outputs(d, restored, inputs)
    assert restored(inputs, training=True).shape == (BATCH, 1)


def test_serialization_round_trip_conditional_generator():
    g = networks.build_generator("dcgan_transpose", (32, 32, 3), LATENT, 10, base_filters=4)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(g))
    _assert_same_outputs(g, restored, [_latent(), _labels()])
