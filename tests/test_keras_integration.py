"""tfgan.GAN inside users' own Keras code: any network kind, fit inputs, callbacks, saving."""

import csv
import glob
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan
from tfgan import callbacks as tfgan_callbacks

SHAPE = (8, 8, 1)
LATENT = 4
BATCH = 4
NUM_CLASSES = 3
PIXELS = int(np.prod(SHAPE))


# ---------------------------------------------------------------------------------------------
# Networks of every Keras kind


def sequential_pair():
    generator = keras.Sequential([
        keras.Input((LATENT,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(PIXELS, activation="tanh"),
        keras.layers.Reshape(SHAPE),
    ])
    discriminator = keras.Sequential([
        keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(16),
        keras.layers.LeakyReLU(0.2), keras.layers.Dense(1),
    ])
    return generator, discriminator


def functional_pair():
    z = keras.Input((LATENT,))
    images = keras.layers.Reshape(SHAPE)(keras.layers.Dense(PIXELS, activation="tanh")(z))
    x = keras.Input(SHAPE)
    logits = keras.layers.Dense(1)(keras.layers.Flatten()(x))
    return keras.Model(z, images), keras.Model(x, logits)


class SubclassedGenerator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(PIXELS, activation="tanh")

    def call(self, z, training=False):
        return tf.reshape(self.out(self.hidden(z)), (-1,) + SHAPE)


class SubclassedDiscriminator(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.logit = keras.layers.Dense(1)

    def call(self, images, training=False):
        return tf.squeeze(self.logit(self.hidden(self.flatten(images))), -1)  # [batch] logits


def subclassed_pair():
    return SubclassedGenerator(), SubclassedDiscriminator()


def conditional_pair():
    z, label = keras.Input((LATENT,)), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([z, keras.layers.Embedding(NUM_CLASSES, 4)(label)])
    images = keras.layers.Reshape(SHAPE)(keras.layers.Dense(PIXELS, activation="tanh")(h))
    x, x_label = keras.Input(SHAPE), keras.Input((), dtype="int32")
    h = keras.layers.Concatenate()([keras.layers.Flatten()(x),
                                    keras.layers.Embedding(NUM_CLASSES, 4)(x_label)])
    return keras.Model([z, label], images), keras.Model([x, x_label], keras.layers.Dense(1)(h))


def make_gan(pair=functional_pair, **kwargs):
    keras.utils.set_random_seed(0)
    generator, discriminator = pair()
    gan = tfgan.GAN(generator, discriminator, latent_dim=LATENT, seed=0, **kwargs)
    gan.compile()
    return gan


def real_images(n=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n,) + SHAPE).astype(np.float32)


def real_labels(n=16, seed=0):
    return np.random.default_rng(seed).integers(0, NUM_CLASSES, n).astype(np.int32)


def dataset(n=16, conditional=False):
    elements = (real_images(n), real_labels(n)) if conditional else real_images(n)
    return tf.data.Dataset.from_tensor_slices(elements).batch(BATCH)


def weights_of(model):
    return [w.numpy().copy() for w in model.weights]


@pytest.mark.parametrize("pair", [sequential_pair, functional_pair, subclassed_pair])
def test_any_keras_network_kind_trains_with_fit(pair):
    gan = make_gan(pair)
    history = gan.fit(dataset(), epochs=2, verbose=0).history
    assert len(history["d_loss"]) == 2 and np.all(np.isfinite(history["g_loss"]))
    assert gan.generate(3).shape == (3,) + SHAPE
    assert int(gan.g_optimizer.iterations.numpy()) == 8


def test_fit_on_numpy_arrays_unconditional_and_conditional():
    gan = make_gan()
    gan.fit(real_images(), batch_size=BATCH, epochs=1, verbose=0)
    assert int(gan.batches_seen.numpy()) == 4
    conditional = make_gan(conditional_pair, num_classes=NUM_CLASSES)
    conditional.fit(real_images(), real_labels(), batch_size=BATCH, epochs=1, verbose=0)
    assert int(conditional.batches_seen.numpy()) == 4


def test_validation_data_reports_the_same_metrics_without_training():
    gan = make_gan(conditional_pair, num_classes=NUM_CLASSES)
    history = gan.fit(dataset(conditional=True), validation_data=dataset(8, conditional=True),
                      epochs=1, verbose=0).history
    for name in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert f"val_{name}" in history and np.isfinite(history[f"val_{name}"][0])
    before = weights_of(gan)
    gan.evaluate(dataset(8, conditional=True), verbose=0)
    for b, a in zip(before, gan.weights):
        np.testing.assert_array_equal(b, a.numpy())


# ---------------------------------------------------------------------------------------------
# Standard Keras callbacks


def test_model_checkpoint_saves_weights_that_restore(tmp_path):
    gan = make_gan()
    path = str(tmp_path / "gan.weights.h5")
    gan.fit(dataset(), epochs=2, verbose=0,
            callbacks=[keras.callbacks.ModelCheckpoint(path, save_weights_only=True)])
    saved = weights_of(gan)
    fresh = make_gan()
    fresh.load_weights(path)
    for s, r in zip(saved, fresh.weights):
        np.testing.assert_array_equal(s, r.numpy())


def test_tensorboard_and_csv_logger_record_gan_metrics(tmp_path):
    gan = make_gan()
    gan.fit(dataset(), epochs=2, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
    ])
    assert glob.glob(str(tmp_path / "tb" / "train" / "events.out.tfevents.*"))
    with open(tmp_path / "log.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    assert {"epoch", "d_loss", "g_loss", "d_real", "d_fake"} <= set(rows[0])


def test_terminate_on_nan_stops_a_diverged_run():
    def poisoned_discriminator():
        x = keras.Input(SHAPE)
        h = keras.layers.Flatten()(x)
        logits = keras.layers.Dense(1)(h)
        # Times log(-1) = NaN: the logits are NaN from the first batch.
        logits = keras.layers.Lambda(lambda t: t * tf.math.log(-tf.ones_like(t)))(logits)
        return keras.Model(x, logits)

    gan = make_gan(lambda: (functional_pair()[0], poisoned_discriminator()))
    history = gan.fit(dataset(), epochs=3, verbose=0,
                      callbacks=[keras.callbacks.TerminateOnNaN()]).history
    assert int(gan.batches_seen.numpy()) == 1  # stopped after the first batch
    assert np.isnan(history["d_loss"][-1])


def test_early_stopping_on_a_gan_metric():
    gan = make_gan()
    # min_delta larger than any change: no epoch counts as an improvement.
    stopper = keras.callbacks.EarlyStopping(monitor="d_loss", mode="min", min_delta=1e9,
                                            patience=1)
    history = gan.fit(dataset(), epochs=10, verbose=0, callbacks=[stopper]).history
    assert len(history["d_loss"]) == 2
    assert stopper.stopped_epoch == 1


class _CrashAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


def test_backup_and_restore_resumes_an_interrupted_run(tmp_path):
    uninterrupted = make_gan()
    uninterrupted.fit(dataset(), epochs=4, verbose=0)

    backup = str(tmp_path / "backup")
    crashed = make_gan()
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashed.fit(dataset(), epochs=4, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(backup), _CrashAtEpoch(2)])
    assert int(crashed.batches_seen.numpy()) == 8  # two epochs of four batches

    restarted = make_gan()  # as a new process would: fresh weights, fresh optimizers
    history = restarted.fit(dataset(), epochs=4, verbose=0,
                            callbacks=[keras.callbacks.BackupAndRestore(backup)]).history
    assert len(history["d_loss"]) == 2  # only epochs 3 and 4 ran
    assert int(restarted.batches_seen.numpy()) == 16
    assert int(restarted.g_optimizer.iterations.numpy()) == 16
    # Weights, optimizer moments and the latent random stream all came back from the backup:
    # the resumed run ends exactly where the uninterrupted one did.
    for expected, actual in zip(uninterrupted.weights, restarted.weights):
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_sample_grid_callback_in_a_users_own_fit(tmp_path):
    gan = make_gan(conditional_pair, num_classes=NUM_CLASSES)
    grid = tfgan_callbacks.SampleGrid(str(tmp_path / "samples"), every_n_steps=2,
                                      num_samples=6)
    gan.fit(dataset(conditional=True), epochs=1, verbose=0, callbacks=[grid])
    written = sorted(os.listdir(tmp_path / "samples"))
    assert written and all(name.endswith(".png") for name in written)
    image = keras.utils.load_img(str(tmp_path / "samples" / written[-1]))
    assert min(image.size) >= SHAPE[0]


# ---------------------------------------------------------------------------------------------
# Saving with Keras


@pytest.mark.parametrize("pair, kwargs", [
    (functional_pair, dict(loss="wasserstein", gp_weight=10.0, g_every=2)),
    (conditional_pair, dict(num_classes=NUM_CLASSES, loss="least_squares")),
])
def test_keras_file_round_trip_generates_identical_images(tmp_path, pair, kwargs):
    gan = make_gan(pair, **kwargs)
    conditional = "num_classes" in kwargs
    gan.fit(dataset(conditional=conditional), epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)

    loaded = keras.models.load_model(path)
    assert isinstance(loaded, tfgan.GAN)
    assert loaded.get_config()["loss"] == kwargs["loss"]
    z = np.random.default_rng(1).normal(size=(5, LATENT)).astype(np.float32)
    labels = [0, 1, 2, 0, 1] if conditional else None
    np.testing.assert_array_equal(gan.generate(z=z, labels=labels).numpy(),
                                  loaded.generate(z=z, labels=labels).numpy())
    assert int(loaded.batches_seen.numpy()) == int(gan.batches_seen.numpy())
    # Compiled from the file, it trains on.
    assert isinstance(loaded.d_optimizer, keras.optimizers.Optimizer)
    loaded.fit(dataset(conditional=conditional), epochs=1, verbose=0)
    assert int(loaded.batches_seen.numpy()) == 8


# ---------------------------------------------------------------------------------------------
# Bad input: a clear error at the first step, naming the shapes


def test_discriminator_with_wrong_output_shape():
    def wide_discriminator():
        x = keras.Input(SHAPE)
        return keras.Model(x, keras.layers.Dense(3)(keras.layers.Flatten()(x)))

    gan = make_gan(lambda: (functional_pair()[0], wide_discriminator()))
    with pytest.raises(ValueError, match=r"\[batch\] or \[batch, 1\], got \((None|4), 3\)"):
        gan.fit(dataset(), verbose=0)


def test_generator_output_shape_differs_from_the_data():
    class SixteenPixels(keras.Model):
        def call(self, z, training=False):
            return tf.zeros([tf.shape(z)[0], 16, 16, 1]) + tf.reduce_mean(z)

    gan = make_gan(lambda: (SixteenPixels(), SubclassedDiscriminator()))
    with pytest.raises(ValueError, match=r"generator returns images of shape "
                                         r"\((None|4), 16, 16, 1\).*\((None|4), 8, 8, 1\)"):
        gan.fit(dataset(), verbose=0)


def test_dataset_with_the_wrong_structure():
    gan = make_gan()
    triples = tf.data.Dataset.from_tensor_slices(
        (real_images(), real_labels(), np.ones(16, np.float32))).batch(BATCH)
    with pytest.raises(ValueError, match=r"images or \(images, labels\).*3-tuple"):
        gan.fit(triples, verbose=0)
    dicts = tf.data.Dataset.from_tensor_slices({"image": real_images()}).batch(BATCH)
    with pytest.raises(ValueError, match=r"got a dict with keys \['image'\]"):
        gan.fit(dicts, verbose=0)
