"""tfgan.augment (DiffAugment) against the reference formulas, and GAN(augment=...)'s use of it."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan
from tfgan import augment
from tfgan import networks
from conftest import policy

SIZE = 16
BATCH = 4
LATENT = 8
POLICIES = ["color", "translation", "cutout", "color,translation,cutout"]


def rgb_images(batch=BATCH, channels=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (batch, SIZE, SIZE, channels)).astype(np.float32)


# --------------------------------------------------------------------------------------------
# The reference formulas in numpy (DiffAugment_tf.py, one draw per image)


def reference(images, params):
    x = images.astype(np.float64)
    if "brightness" in params:
        x = x + params["brightness"][:, None, None, None]
        mean = x.mean(axis=3, keepdims=True)
        x = (x - mean) * params["saturation"][:, None, None, None] + mean
        mean = x.mean(axis=(1, 2, 3), keepdims=True)
        x = (x - mean) * params["contrast"][:, None, None, None] + mean
    if "translation" in params:
        out = np.zeros_like(x)
        for n, (dy, dx) in enumerate(params["translation"]):
            for i in range(SIZE):
                for j in range(SIZE):
                    if 0 <= i + dy < SIZE and 0 <= j + dx < SIZE:
                        out[n, i, j] = x[n, i + dy, j + dx]
        x = out
    if "cutout" in params:
        x = x.copy()
        half = SIZE // 2
        for n, (top, left) in enumerate(params["cutout"]):
            x[n, max(top, 0):max(top + half, 0), max(left, 0):max(left + half, 0)] = 0.0
    return x


@pytest.mark.parametrize("names", POLICIES)
def test_matches_the_reference_formulas(names):
    images = rgb_images()
    params = augment.draw_parameters(names, BATCH, (SIZE, SIZE), seed=3)
    params = {k: v.numpy() for k, v in params.items()}
    expected = reference(images, params)
    got = augment.apply_parameters(images, params, names).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_parameters_cover_the_published_ranges():
    n = 4000
    params = {k: v.numpy() for k, v in augment.draw_parameters(
        augment.DEFAULT_POLICY, n, (SIZE, SIZE), seed=0).items()}
    for name, low, high in (("brightness", -0.5, 0.5), ("saturation", 0.0, 2.0),
                            ("contrast", 0.5, 1.5)):
        assert params[name].shape == (n,) and params[name].dtype == np.float32
        assert low <= params[name].min() < low + 0.01 and high - 0.01 < params[name].max() < high
    # Translation: integer shifts of up to size // 8 = 2 pixels, both signs, each axis apart.
    shift = params["translation"]
    assert shift.shape == (n, 2)
    assert set(np.unique(shift)) == {-2, -1, 0, 1, 2}
    assert not np.array_equal(shift[:, 0], shift[:, 1])
    # Cutout: an 8-pixel square whose centre lies in [0, 16] (it may overhang by half).
    corner = params["cutout"]
    assert corner.min() == -4 and corner.max() == 12
    assert not np.array_equal(corner[:, 0], corner[:, 1])


def test_translation_keeps_pixels_and_fills_with_zero():
    images = rgb_images(batch=64)
    out = augment.diff_augment(images, "translation", seed=1).numpy()
    assert np.isin(out, np.append(images.ravel(), 0.0)).all()
    # A shifted image keeps at least (16 - 2)^2 of its pixels and loses at most 2 rows + cols.
    zeros = (out == 0).all(axis=3).sum(axis=(1, 2))
    assert zeros.max() <= SIZE * SIZE - (SIZE - 2) ** 2
    assert zeros.max() > 0 and (zeros == 0).any()  # some shifted, some not


def test_cutout_zeroes_one_square_of_half_the_size():
    ones = np.ones((200, SIZE, SIZE, 1), np.float32)
    out = augment.diff_augment(ones, "cutout", seed=2).numpy()[..., 0]
    for image in out:
        rows, cols = np.nonzero(image == 0)
        assert rows.size > 0
        height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
        assert height <= SIZE // 2 and width <= SIZE // 2
        assert rows.size == height * width  # one solid rectangle: the square, clipped
    full = [(image == 0).sum() == (SIZE // 2) ** 2 for image in out]
    assert any(full) and not all(full)  # inside the image, or overhanging the border


def test_color_keeps_a_grey_image_grey_and_changes_brightness_and_contrast():
    grey = rgb_images(channels=1)
    out = augment.diff_augment(grey, "color", seed=4).numpy()
    assert out.shape == grey.shape
    params = {k: v.numpy() for k, v in augment.draw_parameters("color", BATCH, (SIZE, SIZE),
                                                               seed=4).items()}
    # Saturation does nothing to one channel; the mean moves by exactly the brightness.
    np.testing.assert_allclose(out.mean(axis=(1, 2, 3)) - grey.mean(axis=(1, 2, 3)),
                               params["brightness"], atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(1, 2, 3)) / grey.std(axis=(1, 2, 3)),
                               params["contrast"], rtol=1e-4)


@pytest.mark.parametrize("names", POLICIES)
def test_each_policy_changes_the_images(names):
    images = rgb_images()
    out = augment.diff_augment(images, names, seed=5).numpy()
    assert np.all(np.isfinite(out))
    for before, after in zip(images, out):
        assert not np.allclose(before, after), names


@pytest.mark.parametrize("names", ["", None, []])
def test_empty_policy_is_the_identity(names):
    images = tf.constant(rgb_images())
    assert augment.diff_augment(images, names, seed=0) is images
    assert augment.draw_parameters(names, BATCH, (SIZE, SIZE)) == {}


@pytest.mark.parametrize("dtype", ["float32", "bfloat16", "float16"])
@pytest.mark.parametrize("names", POLICIES)
def test_shapes_and_dtypes_are_preserved(names, dtype):
    images = tf.cast(rgb_images(), dtype)
    out = augment.diff_augment(images, names, seed=6)
    assert out.shape == images.shape and out.dtype == images.dtype
    # Same augmentation as float32, within the dtype's precision.
    expected = augment.diff_augment(rgb_images(), names, seed=6).numpy()
    np.testing.assert_allclose(tf.cast(out, tf.float32).numpy(), expected, atol=0.05)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
@pytest.mark.parametrize("names", POLICIES)
def test_gradients_flow_to_the_input(names, dtype):
    images = tf.cast(rgb_images(), dtype)
    weights = tf.constant(rgb_images(seed=9))
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = augment.diff_augment(images, names, seed=7)
        loss = tf.reduce_sum(tf.cast(out, tf.float32) * weights)
    grad = tape.gradient(loss, images)
    assert grad is not None and grad.dtype == images.dtype
    grad = tf.cast(grad, tf.float32).numpy()
    assert np.all(np.isfinite(grad))
    for per_image in grad:
        assert np.abs(per_image).sum() > 0


def test_gradient_of_translation_and_cutout_is_the_mask_of_kept_pixels():
    images = tf.constant(rgb_images(channels=1))
    params = augment.draw_parameters("translation,cutout", BATCH, (SIZE, SIZE), seed=8)
    with tf.GradientTape() as tape:
        tape.watch(images)
        out = augment.apply_parameters(images, params)
    grad = tape.gradient(out, images).numpy()
    # Every input pixel reaches at most one output pixel: the gradient of the sum is 0 or 1,
    # and 1 exactly for the pixels that survive (the reference of ones, augmented the same).
    kept = reference(np.ones_like(images.numpy()), {k: v.numpy() for k, v in params.items()})
    assert set(np.unique(grad)) <= {0.0, 1.0}
    assert grad.sum() == kept.sum()


def test_seed_determinism_and_fresh_draws_from_a_seed_generator():
    images = rgb_images()
    once = augment.diff_augment(images, augment.DEFAULT_POLICY, seed=11).numpy()
    again = augment.diff_augment(images, augment.DEFAULT_POLICY, seed=11).numpy()
    other = augment.diff_augment(images, augment.DEFAULT_POLICY, seed=12).numpy()
    np.testing.assert_array_equal(once, again)
    assert not np.allclose(once, other)

    def stream(seed):
        generator = keras.random.SeedGenerator(seed)
        return [augment.diff_augment(images, augment.DEFAULT_POLICY, seed=generator).numpy()
                for _ in range(2)]

    first, second = stream(3), stream(3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.allclose(first[0], first[1])


def test_graph_mode_draws_like_eager_mode():
    images = tf.constant(rgb_images())
    eager_generator, graph_generator = (keras.random.SeedGenerator(5),
                                        keras.random.SeedGenerator(5))

    @tf.function
    def graph(x):
        return augment.diff_augment(x, augment.DEFAULT_POLICY, seed=graph_generator)

    for _ in range(2):  # the traced function advances its generator like eager calls
        eager = augment.diff_augment(images, augment.DEFAULT_POLICY, seed=eager_generator)
        np.testing.assert_allclose(graph(images).numpy(), eager.numpy(), atol=1e-6)


@pytest.mark.parametrize("names, message", [
    ("colour", "got 'colour'"),
    ("color,color", "color repeated"),
    ("color,,cutout", "got ''"),
])
def test_bad_policies_name_the_accepted_ones(names, message):
    with pytest.raises(ValueError, match=f"color, translation, cutout.*{message}"):
        augment.parse_policy(names)
    with pytest.raises(ValueError):
        augment.diff_augment(rgb_images(), names)


def test_images_need_a_static_size_and_rank_four():
    with pytest.raises(ValueError, match=r"\[batch, height, width, channels\].*\(16, 16, 3\)"):
        augment.diff_augment(rgb_images()[0], "cutout", seed=0)
    unknown = tf.function(lambda x: augment.diff_augment(x, "cutout", seed=0),
                          input_signature=[tf.TensorSpec([None, None, None, 3])])
    with pytest.raises(ValueError, match="known height, width and channel count"):
        unknown.get_concrete_function()


def test_policy_order_is_kept_and_formatted():
    assert augment.parse_policy(" cutout , color ") == ("cutout", "color")
    assert augment.format_policy(["translation", "color"]) == "translation,color"
    images = rgb_images()
    params = augment.draw_parameters("color,cutout", BATCH, (SIZE, SIZE), seed=1)
    color_then_cutout = augment.apply_parameters(images, params, "color,cutout").numpy()
    cutout_then_color = augment.apply_parameters(images, params, "cutout,color").numpy()
    assert not np.allclose(color_then_cutout, cutout_then_color)
    np.testing.assert_array_equal(augment.apply_parameters(images, params).numpy(),
                                  color_then_cutout)


# --------------------------------------------------------------------------------------------
# GAN(augment=...)


class Spy(keras.layers.Layer):
    """Wraps a network and records (eagerly) the inputs or outputs of each call."""

    def __init__(self, network, record="inputs", **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.record = record
        self.calls = []

    def build(self, input_shape):
        self.network.build(input_shape)
        self.built = True

    def call(self, inputs, training=False):
        outputs = self.network(inputs, training=training)
        if tf.executing_eagerly():
            self.calls.append(np.array(inputs if self.record == "inputs" else outputs))
        return outputs

    def compute_output_shape(self, input_shape):
        return self.network.compute_output_shape(input_shape)


def spy_gan(**kwargs):
    keras.utils.set_random_seed(0)
    shape = (SIZE, SIZE, 1)
    generator = Spy(networks.build_generator("dcgan", shape, LATENT, base_filters=4),
                    record="outputs")
    discriminator = Spy(networks.build_discriminator("dcgan", shape, norm="layer",
                                                     base_filters=4))
    gan = tfgan.GAN(generator, discriminator, LATENT, loss="wasserstein", seed=1, **kwargs)
    gan.compile(run_eagerly=True)
    generator.calls.clear()
    discriminator.calls.clear()
    return gan, generator, discriminator


def cut_from(augmented, original):
    """Whether ``augmented`` is ``original`` with a non-empty square of zeros (per image)."""
    zero = augmented == 0
    return all(z.any() and np.array_equal(a[~z], o[~z])
               for a, o, z in zip(augmented, original, zero))


def test_discriminator_sees_augmented_real_and_fake_images_and_generator_step_too():
    gan, generator, discriminator = spy_gan(augment="cutout")
    real = rgb_images(channels=1, seed=3)
    gan.train_on_batch(real)
    # The D step: D(aug(real)), D(aug(G(z))); then the G step: D(aug(G(z'))).
    assert len(discriminator.calls) == 3 and len(generator.calls) == 2
    d_real, d_fake, g_fake = discriminator.calls
    assert cut_from(d_real, real)
    assert cut_from(d_fake, generator.calls[0])
    assert cut_from(g_fake, generator.calls[1])


def test_without_augment_the_discriminator_sees_the_images_themselves():
    gan, generator, discriminator = spy_gan()
    real = rgb_images(channels=1, seed=3)
    gan.train_on_batch(real)
    d_real, d_fake, g_fake = discriminator.calls
    np.testing.assert_array_equal(d_real, real)
    np.testing.assert_array_equal(d_fake, generator.calls[0])
    np.testing.assert_array_equal(g_fake, generator.calls[1])


def test_gradient_penalty_interpolates_between_the_augmented_images():
    gan, generator, discriminator = spy_gan(augment="color,translation,cutout", gp_weight=10.0)
    real = rgb_images(channels=1, seed=3)
    gan.train_on_batch(real)
    d_real, d_fake, interpolates = discriminator.calls[:3]
    # x_hat = fake + alpha (real - fake) with one alpha per image, for the augmented pair.
    for r, f, x in zip(d_real, d_fake, interpolates):
        direction, offset = (r - f).ravel(), (x - f).ravel()
        alpha = direction @ offset / (direction @ direction)
        assert 0 <= alpha <= 1
        np.testing.assert_allclose(offset, alpha * direction, atol=1e-5)
    # ... and not between the un-augmented images.
    r, f, x = real[0].ravel(), generator.calls[0][0].ravel(), interpolates[0].ravel()
    alpha = (r - f) @ (x - f) / ((r - f) @ (r - f))
    assert not np.allclose(x - f, alpha * (r - f), atol=1e-3)


def fit_history(augment_policy, seed=0, steps=3, precision="float32", **kwargs):
    with policy(precision):
        keras.utils.set_random_seed(0)
        shape = (SIZE, SIZE, 3)
        generator = networks.build_generator("dcgan", shape, LATENT, base_filters=4)
        discriminator = networks.build_discriminator("dcgan", shape, norm="layer",
                                                     base_filters=4)
        gan = tfgan.GAN(generator, discriminator, LATENT, loss="wasserstein", seed=seed,
                        augment=augment_policy, **kwargs)
        gan.compile()
        data = tf.data.Dataset.from_tensor_slices(rgb_images(BATCH * steps)).batch(BATCH)
        return gan, gan.fit(data, epochs=1, verbose=0).history


def test_augmented_training_is_reproducible_and_differs_from_plain_training():
    _, first = fit_history(augment.DEFAULT_POLICY)
    _, second = fit_history(augment.DEFAULT_POLICY)
    _, plain = fit_history("")
    assert first == second
    assert first["d_loss"] != plain["d_loss"]


@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_augmented_training_under_mixed_precision(precision):
    gan, history = fit_history(augment.DEFAULT_POLICY, precision=precision, gp_weight=10.0,
                               drift_weight=1e-3)
    for name, values in history.items():
        assert np.all(np.isfinite(values)), (name, values)
    if precision == "mixed_bfloat16":  # float16 skips its first steps while the scale drops
        assert int(gan.g_optimizer.iterations.numpy()) > 0
    for weight in gan.generator.trainable_weights:
        assert np.all(np.isfinite(weight.numpy()))


def test_augment_round_trips_through_the_config():
    shape = (SIZE, SIZE, 1)

    def build(policy_string):
        return tfgan.GAN(networks.build_generator("mlp", shape, LATENT, base_filters=8),
                         networks.build_discriminator("mlp", shape, base_filters=8), LATENT,
                         augment=policy_string)

    gan = build(" cutout ,color")
    assert gan.augment == "cutout,color"
    assert tfgan.GAN.from_config(gan.get_config()).augment == "cutout,color"
    assert build(None).get_config()["augment"] is None
    with pytest.raises(ValueError, match="got 'colour'"):
        build("colour")
