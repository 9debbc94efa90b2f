"""tfgan.GAN: train steps of the six systems, the step schedule, clipping, sampling, bad input."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan
from tfgan import networks

SHAPE = (16, 16, 1)
LATENT = 8
BATCH = 4
NUM_CLASSES = 3

# The six systems at tiny sizes: the keyword arguments of GAN() and of the network builders.
SYSTEMS = {
    "gan": dict(arch="mlp", gan=dict(loss="non_saturating")),
    "dcgan": dict(arch="dcgan", gan=dict(loss="non_saturating")),
    "cgan": dict(arch="mlp", spectral_norm=True,
                 gan=dict(loss="non_saturating", num_classes=NUM_CLASSES)),
    "lsgan": dict(arch="dcgan", gan=dict(loss="least_squares", ls_targets=(-1.0, 1.0, 0.0))),
    "wgan": dict(arch="dcgan", gan=dict(loss="wasserstein", clip_value=0.1, g_every=5)),
    "wgangp": dict(arch="dcgan", norm="layer",
                   gan=dict(loss="wasserstein", gp_weight=10.0, d_steps=2)),
}


def make_gan(system="gan", seed=0, **overrides):
    spec = SYSTEMS[system]
    gan_kwargs = dict(spec["gan"], **overrides)
    num_classes = gan_kwargs.get("num_classes")
    keras.utils.set_random_seed(seed)
    base = 8 if spec["arch"] == "mlp" else 4
    generator = networks.build_generator(spec["arch"], SHAPE, LATENT, num_classes,
                                         base_filters=base)
    discriminator = networks.build_discriminator(
        spec["arch"], SHAPE, num_classes, norm=spec.get("norm", "batch"),
        spectral_norm=spec.get("spectral_norm", False), base_filters=base)
    gan = tfgan.GAN(generator, discriminator, latent_dim=LATENT, seed=seed, **gan_kwargs)
    gan.compile()
    return gan


def batches(num_batches, conditional=False, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(-1, 1, (num_batches * BATCH,) + SHAPE).astype(np.float32)
    if conditional:
        labels = rng.integers(0, NUM_CLASSES, num_batches * BATCH).astype(np.int32)
        return tf.data.Dataset.from_tensor_slices((images, labels)).batch(BATCH)
    return tf.data.Dataset.from_tensor_slices(images).batch(BATCH)


def snapshot(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def changed(before, model):
    return any(not np.allclose(b, a.numpy()) for b, a in zip(before, model.trainable_weights))


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_each_system_trains_both_networks_on_schedule(system):
    gan = make_gan(system)
    g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
    num_batches = 5
    history = gan.fit(batches(num_batches, gan.conditional), epochs=1, verbose=0).history

    assert changed(g_before, gan.generator), "generator weights did not change"
    assert changed(d_before, gan.discriminator), "discriminator weights did not change"
    assert int(gan.batches_seen.numpy()) == num_batches
    assert int(gan.d_optimizer.iterations.numpy()) == num_batches * gan.d_steps
    assert int(gan.g_optimizer.iterations.numpy()) == num_batches // gan.g_every
    expected = {"loss", "d_loss", "g_loss", "d_real", "d_fake"} | ({"gp"} if gan.gp_weight else set())
    assert set(history) == expected
    for name, values in history.items():
        assert np.all(np.isfinite(values)), f"{name} is not finite: {values}"


@pytest.mark.parametrize("d_steps, g_every, num_batches", [(3, 1, 4), (1, 2, 5), (2, 3, 7)])
def test_step_schedule_counts_optimizer_iterations(d_steps, g_every, num_batches):
    # The schedule does not depend on the loss: the MLP GAN traces in a fraction of the time of
    # WGAN-GP, whose penalty is traced once per critic step (d_steps with the penalty:
    # test_each_system_trains_both_networks_on_schedule[wgangp]).
    gan = make_gan("gan", d_steps=d_steps, g_every=g_every)
    gan.fit(batches(num_batches), epochs=1, verbose=0)
    assert int(gan.d_optimizer.iterations.numpy()) == num_batches * d_steps
    # The generator is updated after every g_every-th batch: floor(batches / g_every) times.
    assert int(gan.g_optimizer.iterations.numpy()) == num_batches // g_every


def test_generator_schedule_continues_across_fit_calls_and_train_on_batch():
    gan = make_gan("gan", g_every=5)  # the MLP: two traced steps (train_on_batch, fit)
    images = next(iter(batches(1)))
    for _ in range(3):
        gan.train_on_batch(images)
    assert int(gan.g_optimizer.iterations.numpy()) == 0
    gan.fit(batches(3), epochs=1, verbose=0)  # batches 4, 5, 6: the 5th updates G
    assert int(gan.g_optimizer.iterations.numpy()) == 1
    assert int(gan.batches_seen.numpy()) == 6


def test_g_every_refuses_steps_per_execution():
    gan = make_gan("wgan")
    with pytest.raises(ValueError, match="steps_per_execution"):
        gan.compile(steps_per_execution=4)


class CountingGenerator(keras.layers.Layer):
    """Wraps a generator and counts its training-mode calls (in eager execution)."""

    def __init__(self, generator):
        super().__init__()
        self.generator = generator
        self.training_calls = 0

    def call(self, inputs, training=False):
        self.training_calls += int(bool(training))
        return self.generator(inputs, training=training)


@pytest.mark.parametrize("reuse_fakes, d_steps, expected_calls", [
    (False, 1, 2), (True, 1, 1), (False, 2, 3), (True, 2, 2)])
def test_reuse_fakes_runs_the_generator_once_per_generator_update(reuse_fakes, d_steps,
                                                                  expected_calls):
    keras.utils.set_random_seed(0)
    counting = CountingGenerator(networks.build_generator("mlp", SHAPE, LATENT, base_filters=8))
    discriminator = networks.build_discriminator("mlp", SHAPE, base_filters=8)
    gan = tfgan.GAN(counting, discriminator, latent_dim=LATENT, seed=0, d_steps=d_steps,
                    reuse_fakes=reuse_fakes)
    gan.compile(run_eagerly=True)
    g_before, d_before = snapshot(gan.generator), snapshot(gan.discriminator)
    counting.training_calls = 0
    history = gan.fit(batches(3), epochs=1, verbose=0).history
    assert counting.training_calls == 3 * expected_calls
    assert changed(g_before, gan.generator) and changed(d_before, gan.discriminator)
    assert int(gan.d_optimizer.iterations.numpy()) == 3 * d_steps
    assert int(gan.g_optimizer.iterations.numpy()) == 3
    assert all(np.all(np.isfinite(values)) for values in history.values())


@pytest.mark.parametrize("reuse_fakes", [True, False])
def test_reused_fakes_are_the_discriminator_updates_fakes(reuse_fakes):
    """With a frozen discriminator (learning rate 0) the generator update must be the plain
    gradient step on the first latent batch of the seed stream (the one the discriminator
    update drew) when fakes are reused, and on another batch when they are not."""
    gan = make_gan("dcgan", reuse_fakes=reuse_fakes)
    gan.compile(d_optimizer=keras.optimizers.SGD(0.0), g_optimizer=keras.optimizers.SGD(0.1))
    reference = make_gan("dcgan")  # the same initial weights and seed stream
    z = reference._latent(BATCH)  # pylint: disable=protected-access
    variables = reference.generator.trainable_variables
    with tf.GradientTape() as tape:
        fake_logits = reference.discriminator(reference.generator(z, training=True),
                                              training=True)
        loss = tf.reduce_mean(tfgan.losses.get("non_saturating").generator(fake_logits))
    expected = [v - 0.1 * g for v, g in zip(variables, tape.gradient(loss, variables))]
    gan.fit(batches(1), epochs=1, verbose=0)
    matches = all(np.allclose(e, v.numpy(), rtol=1e-5, atol=1e-6)
                  for e, v in zip(expected, gan.generator.trainable_variables))
    assert matches == reuse_fakes


# --------------------------------------------------------------------------------------------
# The WGAN warm-up schedule (critic_warmup)


def reference_generator_batches(num_batches, g_every):
    """The batches after which the WGAN reference code updates G (one fresh batch per critic
    step): ``Diters = 100 if gen_iterations < 25 or gen_iterations % 500 == 0 else n_critic``."""
    due, batch, updates = set(), 0, 0
    while True:
        batch += 100 if updates < 25 or updates % 500 == 0 else g_every
        if batch > num_batches:
            return due
        due.add(batch - 1)
        updates += 1


@pytest.mark.parametrize("g_every", [1, 2, 5])
def test_warmup_schedule_is_the_wgan_reference_schedule(g_every):
    # Far enough for the warm-up, the regular phase and three 500th-update bursts.
    num_batches = 2500 + 475 * g_every + 3 * (100 + 499 * g_every) + 10
    expected = np.zeros(num_batches, bool)
    expected[sorted(reference_generator_batches(num_batches, g_every))] = True
    batches_ = np.arange(num_batches)
    np.testing.assert_array_equal(tfgan.gan.generator_due(batches_, g_every, True), expected)
    in_graph = tf.function(lambda b: tfgan.gan.generator_due(b, g_every, True))
    np.testing.assert_array_equal(in_graph(tf.constant(batches_, tf.int64)).numpy(), expected)
    for batch in (0, 99, 100, 2499, 2500, 2500 + g_every - 1, num_batches - 1):
        assert tfgan.gan.generator_due(batch, g_every, True) == expected[batch]
    # The first 25 updates after 100 batches each; the 500th update (n = 500) too.
    updates = np.flatnonzero(expected)
    assert list(updates[:26]) == [100 * k + 99 for k in range(25)] + [2499 + g_every]
    assert updates[500] - updates[499] == 100 and updates[501] - updates[500] == g_every


@pytest.mark.parametrize("g_every", [1, 3])
def test_without_warmup_the_generator_is_due_every_g_every_batches(g_every):
    due = tfgan.gan.generator_due(np.arange(12), g_every)
    np.testing.assert_array_equal(np.flatnonzero(due), np.arange(g_every - 1, 12, g_every))


class GeneratorUpdates(keras.callbacks.Callback):
    """Records the batches (by global count) after which the generator was updated."""

    def __init__(self):
        super().__init__()
        self.updated = []
        self._last = None

    def on_train_batch_end(self, batch, logs=None):
        count = int(self.model.g_optimizer.iterations.numpy())
        if self._last is not None and count > self._last:
            self.updated.append(int(self.model.batches_seen.numpy()) - 1)
        self._last = count


def test_warmup_schedule_in_fit_resumes_across_fit_calls():
    gan = make_gan("gan", critic_warmup=True, g_every=2)
    recorder = GeneratorUpdates()
    recorder._last = 0
    gan.fit(batches(1).repeat(150), epochs=1, verbose=0, callbacks=[recorder])
    assert int(gan.g_optimizer.iterations.numpy()) == 1  # after batch 99 only
    gan.fit(batches(1).repeat(60), epochs=1, verbose=0, callbacks=[recorder])
    assert recorder.updated == [99, 199]
    assert int(gan.d_optimizer.iterations.numpy()) == 210
    assert int(gan.batches_seen.numpy()) == 210


@pytest.mark.parametrize("critic_warmup, g_every, num_batches, g_updates", [
    (False, 3, 7, 2), (True, 1, 101, 1)])
def test_scheduled_train_step_works_in_a_tf_function(critic_warmup, g_every, num_batches,
                                                     g_updates):
    gan = make_gan("gan", critic_warmup=critic_warmup, g_every=g_every)
    step = tf.function(gan.train_step)
    images = next(iter(batches(1)))
    for _ in range(num_batches):
        step(images)
    assert int(gan.g_optimizer.iterations.numpy()) == g_updates
    assert int(gan.d_optimizer.iterations.numpy()) == num_batches


def test_critic_warmup_refuses_steps_per_execution():
    gan = make_gan("gan", critic_warmup=True)
    with pytest.raises(ValueError,
                       match="critic_warmup and gp_every > 1 need steps_per_execution=1"):
        gan.compile(steps_per_execution=4)


# --------------------------------------------------------------------------------------------
# The drift term (drift_weight)


def test_drift_term_adds_epsilon_times_squared_real_output_to_the_critic_loss():
    images = next(iter(batches(1)))
    plain, drifting = make_gan("wgangp"), make_gan("wgangp", drift_weight=0.5)
    plain_loss, plain_logs = plain._discriminator_objective(images, None, training=True)
    drift_loss, drift_logs = drifting._discriminator_objective(images, None, training=True)
    real_logits = tf.reshape(drifting.discriminator(images, training=True), [-1]).numpy()
    np.testing.assert_allclose(drift_loss - plain_loss, 0.5 * real_logits ** 2, rtol=1e-4,
                               atol=1e-6)
    assert drift_logs["drift"].numpy() == pytest.approx(np.mean(real_logits ** 2), rel=1e-4)
    assert "drift" not in plain_logs


def test_drift_metric_is_reported_and_holds_the_critic_output_on_real_images():
    # A linear critic under the Wasserstein loss alone grows D(real) without bound; with the
    # drift term eps * D(real)^2 its optimum is D(real) = 1 / (2 eps) = 0.5 for eps = 1.
    images = next(iter(batches(1)))

    def trained(drift_weight):
        keras.utils.set_random_seed(0)
        generator = networks.build_generator("mlp", SHAPE, LATENT, base_filters=8)
        critic = keras.Sequential([keras.Input(SHAPE), keras.layers.Flatten(),
                                   keras.layers.Dense(1)])
        gan = tfgan.GAN(generator, critic, LATENT, loss="wasserstein", seed=0,
                        drift_weight=drift_weight)
        gan.compile(d_optimizer=keras.optimizers.SGD(0.005),
                    g_optimizer=keras.optimizers.SGD(0.0))
        history = gan.fit(batches(1).repeat(60), epochs=1, verbose=0).history
        return critic(images).numpy().mean(), history

    held, history = trained(1.0)
    free, free_history = trained(0.0)
    assert set(history) == {"loss", "d_loss", "g_loss", "drift", "d_real", "d_fake"}
    assert "drift" not in free_history
    assert held == pytest.approx(0.5, abs=0.15)
    assert free > 3.0
    assert history["drift"][-1] == pytest.approx(0.25, abs=0.15)


def test_weight_clipping_keeps_every_critic_weight_in_range():
    gan = make_gan("wgan", clip_value=0.02)
    gan.fit(batches(3), epochs=1, verbose=0)
    for weight in gan.discriminator.trainable_weights:
        assert np.max(np.abs(weight.numpy())) <= 0.02 + 1e-7, weight.path


def test_weight_clipping_holds_beside_a_lazy_r1_penalty():
    # wgan.cfg's critic: clipped after every update, the penalised ones included.
    gan = make_gan("wgan", clip_value=0.02, g_every=1, gp_type="r1", gp_weight=4.0, gp_every=2)
    history = gan.fit(batches(4), epochs=1, verbose=0).history
    assert history["gp"][-1] > 0
    for weight in gan.discriminator.trainable_weights:
        assert np.max(np.abs(weight.numpy())) <= 0.02 + 1e-7, weight.path


def test_gradient_penalty_metric_is_reported_and_positive():
    gan = make_gan("wgangp", d_steps=1)  # one penalty to trace, not two
    history = gan.fit(batches(2), epochs=1, verbose=0).history
    assert history["gp"][-1] > 0


def test_r1_penalty_is_taken_at_the_real_images_only():
    images = next(iter(batches(1)))
    gan = make_gan("dcgan", gp_weight=5.0, gp_type="r1", d_steps=1)
    bare = make_gan("dcgan", d_steps=1)  # same seed: the same fakes
    loss, logs = gan._discriminator_objective(images, None, training=True)
    bare_loss, _ = bare._discriminator_objective(images, None, training=True)
    expected = tfgan.losses.r1_penalty(lambda x: gan.discriminator(x, training=True), images)
    np.testing.assert_allclose(logs["gp"], np.mean(expected), rtol=1e-4)
    np.testing.assert_allclose(np.mean(loss - bare_loss), 5.0 * np.mean(expected), rtol=1e-4)
    history = gan.fit(batches(2), epochs=1, verbose=0).history
    assert history["gp"][-1] > 0
    assert tfgan.GAN.from_config(gan.get_config()).gp_type == "r1"


def test_unknown_gp_type_lists_the_choices():
    with pytest.raises(ValueError, match="gp_type must be one of 'wgan_gp', 'r1', got 'r2'"):
        make_gan("dcgan", gp_weight=1.0, gp_type="r2")


# --------------------------------------------------------------------------------------------
# The lazy gradient penalty (gp_every)


def test_lazy_penalty_adds_gp_every_times_the_weighted_penalty():
    images = next(iter(batches(1)))
    with_penalty = make_gan("wgangp", gp_every=3)
    without = make_gan("wgangp", gp_every=3)  # same seed: the same fakes
    loss, logs = with_penalty._discriminator_objective(images, None, training=True)
    bare_loss, bare_logs = without._discriminator_objective(images, None, training=True,
                                                            penalty=False)
    assert "gp" in logs and "gp" not in bare_logs
    np.testing.assert_allclose(np.mean(loss - bare_loss), 3 * 10.0 * logs["gp"].numpy(),
                               rtol=1e-4)


def lazy_penalty_gan(**overrides):
    """A Wasserstein GAN whose MLP critic takes the penalty quickly to trace."""
    return make_gan("gan", loss="wasserstein", gp_weight=10.0, gp_every=3, **overrides)


@pytest.mark.parametrize("g_every", [1, 2])
def test_fit_applies_the_penalty_every_gp_every_th_batch_and_resumes_its_schedule(g_every):
    gan = lazy_penalty_gan(g_every=g_every)
    gan.fit(batches(1).repeat(4), epochs=1, verbose=0)
    assert int(gan.gp_tracker.count.numpy()) == 2  # batches 0 and 3
    gan.fit(batches(1).repeat(4), epochs=1, verbose=0)
    assert int(gan.gp_tracker.count.numpy()) == 1  # batch 6 of 4..7 (metrics reset per fit)
    assert int(gan.d_optimizer.iterations.numpy()) == 8
    assert int(gan.g_optimizer.iterations.numpy()) == 8 // g_every


def test_lazy_penalty_follows_its_schedule_in_a_tf_function():
    gan = lazy_penalty_gan(g_every=2)
    step = tf.function(gan.train_step)
    images = next(iter(batches(1)))
    for _ in range(7):
        step(images)
    assert int(gan.gp_tracker.count.numpy()) == 3  # batches 0, 3 and 6
    assert int(gan.g_optimizer.iterations.numpy()) == 3


def test_lazy_penalty_refuses_steps_per_execution_and_a_missing_penalty():
    gan = lazy_penalty_gan()
    with pytest.raises(ValueError, match="gp_every > 1 need steps_per_execution=1"):
        gan.compile(steps_per_execution=2)
    with pytest.raises(ValueError, match="gp_every=2 needs a gradient penalty: pass gp_weight"):
        make_gan("gan", gp_every=2)


def test_same_seed_gives_same_first_step_losses():
    # WGAN-GP draws from every stream (z and the penalty's alpha, two critic steps). Eagerly:
    # the seeds and the step's code are the same as in a traced step, and tracing the penalty's
    # double backward three times took ~20 s on one core. Traced steps are reproduced in
    # test_generate_does_not_disturb_the_training_random_stream.
    def first_step(seed):
        gan = make_gan("wgangp", seed=seed)
        gan.compile(run_eagerly=True)
        return gan.fit(batches(1), epochs=1, verbose=0).history

    first, second, other = first_step(7), first_step(7), first_step(8)
    assert first == second
    assert first != other


def test_conditional_model_generates_requested_classes():
    gan = make_gan("cgan")
    gan.fit(batches(2, conditional=True), epochs=1, verbose=0)
    images = gan.generate(labels=[0, 1, 2, 2])
    assert images.shape == (4,) + SHAPE and images.dtype == tf.float32
    same_class = gan.generate(5, labels=1, seed=3)
    assert same_class.shape == (5,) + SHAPE
    # Same z, different class: a different image.
    z = tf.random.normal([2, LATENT])
    a = gan.generate(labels=[0, 0], z=z).numpy()
    b = gan.generate(labels=[2, 2], z=z).numpy()
    assert not np.allclose(a, b)


def test_generate_is_reproducible_with_seed_and_in_range():
    gan = make_gan("dcgan")
    a, b = gan.generate(6, seed=11).numpy(), gan.generate(6, seed=11).numpy()
    np.testing.assert_array_equal(a, b)
    assert a.min() >= -1 and a.max() <= 1


def test_generate_does_not_disturb_the_training_random_stream():
    first = make_gan("gan", seed=4)
    second = make_gan("gan", seed=4)
    second.generate(3)
    assert first.fit(batches(1), verbose=0).history == second.fit(batches(1), verbose=0).history


def test_test_step_reports_metrics_without_updating_weights():
    gan = make_gan("dcgan")
    before = [w.numpy().copy() for w in gan.weights]
    logs = gan.evaluate(batches(2), verbose=0, return_dict=True)
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(logs)
    for b, w in zip(before, gan.weights):
        np.testing.assert_array_equal(b, w.numpy())


def test_call_returns_discriminator_logits_for_a_dataset_batch():
    gan = make_gan("cgan")
    images, labels = next(iter(batches(1, conditional=True)))
    logits = gan((images, labels))
    assert logits.shape == (BATCH, 1) and logits.dtype == tf.float32


def test_config_round_trip_rebuilds_an_equivalent_model():
    gan = make_gan("wgangp", g_every=3, drift_weight=1e-3, critic_warmup=True,
                   augment="translation,color", gp_every=4, reuse_fakes=True)
    clone = tfgan.GAN.from_config(gan.get_config())
    assert (clone.loss_name, clone.gp_weight, clone.gp_every, clone.d_steps, clone.g_every) == (
        "wasserstein", 10.0, 4, 2, 3)
    assert (clone.drift_weight, clone.critic_warmup, clone.augment, clone.reuse_fakes) == (
        1e-3, True, "translation,color", True)
    assert clone.generator.output_shape == gan.generator.output_shape
    assert len(clone.discriminator.weights) == len(gan.discriminator.weights)


# ---------------------------------------------------------------------------------------------
# Bad input


def test_wrong_image_rank_names_the_shape():
    gan = make_gan("gan")
    flat = tf.data.Dataset.from_tensor_slices(np.zeros((8, 256), np.float32)).batch(BATCH)
    with pytest.raises(ValueError, match=r"\[batch, height, width, channels\].*\((None|4), 256\)"):
        gan.fit(flat, verbose=0)


def test_wrong_channel_count_names_both_shapes():
    gan = make_gan("gan")
    rgb = tf.data.Dataset.from_tensor_slices(np.zeros((8, 16, 16, 3), np.float32)).batch(BATCH)
    with pytest.raises(ValueError, match=r"\(16, 16, 3\).*\(16, 16, 1\)"):
        gan.fit(rgb, verbose=0)


def test_integer_images_are_refused_with_the_scaling_fix():
    gan = make_gan("gan")
    raw = tf.data.Dataset.from_tensor_slices(np.zeros((8,) + SHAPE, np.uint8)).batch(BATCH)
    with pytest.raises(ValueError, match="127.5"):
        gan.fit(raw, verbose=0)


def test_labels_given_to_unconditional_model():
    gan = make_gan("gan")
    with pytest.raises(ValueError, match="unconditional.*num_classes"):
        gan.fit(batches(2, conditional=True), verbose=0)
    with pytest.raises(ValueError, match="unconditional"):
        gan.generate(2, labels=[0, 1])


def test_labels_missing_for_conditional_model():
    gan = make_gan("cgan")
    with pytest.raises(ValueError, match=r"conditional \(num_classes=3\).*\(images, labels\)"):
        gan.fit(batches(2), verbose=0)
    with pytest.raises(ValueError, match="labels="):
        gan.generate(2)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        gan.generate(labels=[0, 3])


def test_unknown_loss_lists_the_accepted_names():
    with pytest.raises(ValueError, match="loss must be one of 'minimax', 'non_saturating'"):
        make_gan("gan", loss="wgan-gp")


@pytest.mark.parametrize("argument", ["d_steps", "g_every", "latent_dim"])
@pytest.mark.parametrize("value", [0, -2])
def test_non_positive_step_counts_are_refused(argument, value):
    generator = networks.build_generator("mlp", SHAPE, LATENT, base_filters=8)
    discriminator = networks.build_discriminator("mlp", SHAPE, base_filters=8)
    kwargs = {"latent_dim": LATENT, argument: value}
    with pytest.raises(ValueError, match=f"{argument} must be a positive integer, got {value}"):
        tfgan.GAN(generator, discriminator, **kwargs)


def test_unknown_architecture_lists_the_accepted_names():
    with pytest.raises(ValueError, match="arch must be one of 'mlp', 'dcgan', 'dcgan_transpose'"):
        networks.build_generator("resnet", SHAPE, LATENT)


@pytest.mark.parametrize("kwargs, message", [
    (dict(gp_weight=-1.0), "gp_weight must be >= 0"),
    (dict(gp_every=0), "gp_every must be a positive integer"),
    (dict(drift_weight=-1e-3), "drift_weight must be a number >= 0"),
    (dict(drift_weight=float("nan")), "drift_weight must be a number >= 0"),
    (dict(critic_warmup="yes"), "critic_warmup must be True or False"),
    (dict(reuse_fakes="yes"), "reuse_fakes must be True or False"),
    (dict(augment="flip"), "color, translation, cutout.*got 'flip'"),
    (dict(clip_value=0.0), "clip_value must be positive"),
    (dict(num_classes=1), "num_classes must be None .* at least 2"),
])
def test_invalid_weights_and_class_counts(kwargs, message):
    generator = networks.build_generator("mlp", SHAPE, LATENT, base_filters=8)
    discriminator = networks.build_discriminator("mlp", SHAPE, base_filters=8)
    with pytest.raises(ValueError, match=message):
        tfgan.GAN(generator, discriminator, LATENT, **kwargs)


def test_compile_rejects_keras_loss_and_optimizer_arguments():
    gan = make_gan("gan")
    with pytest.raises(ValueError, match="d_optimizer and g_optimizer"):
        gan.compile(optimizer="adam")
