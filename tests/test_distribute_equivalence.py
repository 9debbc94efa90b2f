"""One replica vs two: the same global batch must give the same update (tf.distribute on CPU).

Gradients are summed over replicas, so a loss not averaged over the *global* batch would double
the learning rate with two replicas; noise drawn per replica, or BatchNorm statistics per
replica, would make the step depend on the split. These tests pin all three down.
"""

import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfgan
from tfgan import networks

SHAPE = (16, 16, 1)
LATENT = 8
GLOBAL_BATCH = 8

# Each case is a 1-replica and a 2-replica training run (most of the time is tracing the
# distributed step), so the cases are chosen not to overlap: every path below is in exactly
# one of them. A plain DCGAN case would be dcgan_bce_ema without the average (the same BatchNorm
# and loss path; the weights compared include both networks), and a plain WGAN-GP case is
# wgangp_drift_augment's penalty plus wgan_drift_augment's g_every schedule over two batches.
SYSTEMS = {
    # The DCGAN system: BatchNorm in both networks (synchronised across replicas), and the
    # generator's moving average updated across replicas (a cross-replica assignment).
    "dcgan_bce_ema": dict(arch="dcgan", norm="batch",
                          gan=dict(loss="non_saturating", ema_decay=0.5)),
    # The generator update on the discriminator update's fakes (reuse_fakes: its gradient tape
    # paused around the discriminator's update).
    "cgan_bce_reuse": dict(arch="mlp", norm="batch", spectral_norm=True,
                           gan=dict(loss="non_saturating", num_classes=3, reuse_fakes=True)),
    # The drift term is a per-example loss averaged over the global batch; DiffAugment's
    # parameters are drawn for the global batch and sliced per replica, like the noise; the
    # generator on every 2nd batch.
    "wgan_drift_augment": dict(arch="dcgan", norm="layer",
                               gan=dict(loss="wasserstein", drift_weight=0.5, g_every=2,
                                        augment="color,translation,cutout")),
    # The gradient penalty (alpha drawn for the global batch, averaged over it), on augmented
    # images. With the penalty on augmented images this tiny critic amplifies float32
    # rounding: a 1e-6 relative change of its initial weights moves them by 9e-4 after two
    # batches (1e-4 without augmentation), beyond the tolerance. One batch, with a critic and
    # a generator update, checks the penalty's inputs and gradients.
    "wgangp_drift_augment": dict(arch="dcgan", norm="layer", num_batches=1,
                                 gan=dict(loss="wasserstein", gp_weight=10.0, drift_weight=0.5,
                                          augment="color,translation,cutout")),
}


@functools.lru_cache(maxsize=None)
def strategy(num_replicas):
    # One strategy per device set for the whole session: two MirroredStrategy objects over the
    # same devices share collective instance keys, and the second one's all-reduces (synchronised
    # BatchNorm) would collide with the first one's in the collective executor.
    devices = [f"/cpu:{i}" for i in range(num_replicas)]
    return tf.distribute.MirroredStrategy(devices)


def train(system, num_replicas, num_batches=None):
    spec = SYSTEMS[system]
    num_batches = num_batches or spec.get("num_batches", 2)
    num_classes = spec["gan"].get("num_classes")
    keras.utils.set_random_seed(1)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (GLOBAL_BATCH * num_batches,) + SHAPE).astype(np.float32)
    elements = images
    if num_classes:
        elements = (images, rng.integers(0, num_classes, len(images)).astype(np.int32))
    dataset = tf.data.Dataset.from_tensor_slices(elements).batch(GLOBAL_BATCH)
    with strategy(num_replicas).scope():
        base = 8 if spec["arch"] == "mlp" else 4
        generator = networks.build_generator(spec["arch"], SHAPE, LATENT, num_classes,
                                             base_filters=base, sync_batch_norm=True)
        discriminator = networks.build_discriminator(
            spec["arch"], SHAPE, num_classes, norm=spec["norm"], base_filters=base,
            spectral_norm=spec.get("spectral_norm", False), sync_batch_norm=True)
        gan = tfgan.GAN(generator, discriminator, LATENT, seed=5, **spec["gan"])
        # Plain SGD: Adam is nearly invariant to the gradient's scale, so it would hide a loss
        # that is averaged per replica instead of over the global batch.
        gan.compile(d_optimizer=keras.optimizers.SGD(0.05), g_optimizer=keras.optimizers.SGD(0.05))
    history = gan.fit(dataset, epochs=1, verbose=0).history
    weights = [w.numpy() for w in gan.generator.weights + gan.discriminator.weights]
    if gan.ema_generator is not None:
        weights += [w.numpy() for w in gan.ema_generator.weights]
    iterations = (int(gan.d_optimizer.iterations.numpy()),
                  int(gan.g_optimizer.iterations.numpy()))
    return weights, history, iterations


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_two_replicas_match_one_replica(system):
    one_weights, one_history, one_iterations = train(system, 1)
    two_weights, two_history, two_iterations = train(system, 2)
    assert one_iterations == two_iterations
    for name in one_history:
        np.testing.assert_allclose(two_history[name], one_history[name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)
    for one, two in zip(one_weights, two_weights):
        np.testing.assert_allclose(two, one, rtol=1e-4, atol=2e-6)


def test_unsynchronised_batch_norm_would_differ():
    """The control for the test above: it is sensitive to per-replica statistics."""
    keras.utils.set_random_seed(1)
    images = np.random.default_rng(0).uniform(-1, 1, (GLOBAL_BATCH,) + SHAPE).astype(np.float32)
    outputs = []
    for num_replicas, sync in ((1, False), (2, False)):
        with strategy(num_replicas).scope():
            keras.utils.set_random_seed(1)
            discriminator = networks.build_discriminator("dcgan", SHAPE, base_filters=4,
                                                         sync_batch_norm=sync)
        dist = strategy(num_replicas)
        with dist.scope():
            result = dist.run(lambda x: discriminator(x, training=True),
                              args=(dist.experimental_distribute_values_from_function(
                                  lambda ctx: tf.constant(np.split(
                                      images, ctx.num_replicas_in_sync)[ctx.replica_id_in_sync_group])),))
        outputs.append(np.concatenate([np.asarray(v) for v in dist.experimental_local_results(result)]))
    assert not np.allclose(outputs[0], outputs[1], atol=1e-4)
