"""FID and MNIST score of a config with overrides at fixed steps: how recipes are compared.

    python benchmarks/config_probe.py --config=dcgan --overrides=--latent_dim=6 \
        --evals=3000,6000,9000
    python benchmarks/config_probe.py --config=dcgan \
        --overrides='--latent_dim=8 --minibatch_std=4' --averages=4:0.9998,2:0.9998

Trains ``configs/<config>.cfg`` with ``--overrides`` appended (``tfgan.task.build_gan`` and
``fit``, no work directory: no checkpoints, samples or exports) and at each step of
``--evals`` scores the sampling generator (the moving average when the config keeps one) with
``--eval_samples`` samples against the 10,000 test digits on the packaged MNIST classifier,
one line per network: ``step``, FID, MNIST score, KID and the training minutes so far.

``--averages=c:cap,...`` keeps extra generator averages beside the config's own, updated after
every batch with decay ``min(cap, (1 + n) / (c + n))`` after ``n`` generator updates (the
config's own is ``c = 10``, ``cap = --ema_decay``), to compare averaging schedules in one run.
``--recalibrate=N`` also scores a copy of the sampling generator whose BatchNorm moving
statistics are replaced by the batch statistics of its own output on ``N`` latent vectors
(BigGAN's "standing statistics"), against the averaged statistics the export keeps.

Run two probes side by side with ``TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1`` and
``taskset``, and compare them at equal steps: minutes are only comparable between runs made the
same way.
"""

import os
import time

from absl import app
from absl import flags as absl_flags
import keras
import tensorflow as tf

import common
from tfgan import distribute
from tfgan import ema
from tfgan import evaluation
from tfgan import quality
from tfgan import sampling
from tfgan import task

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_string("config", "dcgan", "Config name (configs/<name>.cfg), an MNIST config.")
absl_flags.DEFINE_string("overrides", "", "Flags appended to the config, separated by spaces.")
absl_flags.DEFINE_string("data_dir", os.path.join(common.ROOT, "..", "shared", "data", "mnist",
                                                  "mnist.npz"), "The MNIST .npz.")
absl_flags.DEFINE_list("evals", ["3000", "6000", "9000"], "Steps to score at (increasing).")
absl_flags.DEFINE_list("averages", [], "Extra generator averages, c:cap each (see above).")
absl_flags.DEFINE_integer("eval_samples", 10_000, "Generated images per score.")
absl_flags.DEFINE_integer("recalibrate", 0, "Also score a copy of the sampling generator whose "
                          "BatchNorm statistics are re-measured on this many latent vectors (0: none).",
                          lower_bound=0)


def parse_average(spec: str):
    """``"4:0.9998"`` -> ``(4.0, 0.9998)``."""
    warmup, sep, cap = spec.partition(":")
    if not sep:
        raise app.UsageError(f"--averages: {spec!r} is not c:cap (e.g. 4:0.9998)")
    return float(warmup), float(cap)


def batch_norms(network: keras.layers.Layer):
    """The BatchNormalization layers of ``network``, nested models included."""
    for layer in getattr(network, "layers", []):
        if isinstance(layer, keras.layers.BatchNormalization):
            yield layer
        yield from batch_norms(layer)


def recalibrate_batch_norms(generator: keras.Model, latent_dim: int, num: int) -> None:
    """Sets the moving statistics of ``generator``'s batch norms to those of one batch of
    ``num`` samples from it (an unconditional generator)."""
    for layer in batch_norms(generator):
        layer.trainable = True  # only a trainable BatchNormalization measures its batch
        layer.momentum = 0.0
    generator(tf.random.normal([num, latent_dim], seed=7), training=True)


def main(argv):
    del argv
    config = common.config_from_file(FLAGS.config, f"--data_dir={FLAGS.data_dir}",
                                     "--eval_every=0", *FLAGS.overrides.split())
    if config.conditional:
        raise app.UsageError(f"--config={FLAGS.config} is conditional; this probe samples "
                             "unconditional generators only")
    steps = [int(step) for step in FLAGS.evals]
    distribute.set_precision(config.mixed_precision)
    keras.utils.set_random_seed(config.seed)
    gan = task.build_gan(config)
    averages = {parse_average(spec): ema.frozen_copy(gan.generator, gan._probe_inputs)
                for spec in FLAGS.averages}

    @tf.function
    def update_averages():
        updates = tf.cast(gan.g_optimizer.iterations, tf.float32)
        for (warmup, cap), average in averages.items():
            ema.update_average(average.weights, gan.generator.weights,
                               tf.minimum(cap, (1.0 + updates) / (warmup + updates)))

    class UpdateAverages(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            update_averages()

    networks = {"sampling generator": gan.sampling_generator}
    recalibrated = None
    if FLAGS.recalibrate:
        recalibrated = keras.models.clone_model(gan.sampling_generator)
        networks["recalibrated"] = recalibrated
    networks.update({f"average c={w:g} cap={cap:g}": net for (w, cap), net in averages.items()})
    extractor = evaluation.get_extractor("mnist")
    real, _ = quality.real_stats(extractor, "mnist", data_dir=config.data_dir)
    print(f"# {FLAGS.config} {FLAGS.overrides}", flush=True)
    done, seconds = 0, 0.0
    for step in steps:
        started = time.time()
        # A different shuffle order per chunk, as a resumed run gets.
        gan.fit(task.build_dataset(config, seed=config.seed + done), steps_per_epoch=step - done,
                epochs=1, verbose=0, callbacks=[UpdateAverages()] if averages else [])
        seconds += time.time() - started
        done = step
        if recalibrated is not None:
            recalibrated.set_weights(gan.sampling_generator.get_weights())
            recalibrate_batch_norms(recalibrated, config.latent_dim, FLAGS.recalibrate)
        for name, network in networks.items():
            sample = sampling.generator_sample_fn(
                lambda z, labels, network=network: tf.cast(network(z, training=False),
                                                           tf.float32),
                config.latent_dim, seed=1)
            metrics = evaluation.evaluate_generator(sample, real, extractor,
                                                    num_samples=FLAGS.eval_samples)
            print(f"step {step} {name}: FID {metrics['fid']:.3f} score "
                  f"{metrics['inception_score']:.3f} KID {metrics['kid']:.4f} "
                  f"(training {seconds / 60:.1f} min)", flush=True)


if __name__ == "__main__":
    app.run(main)
