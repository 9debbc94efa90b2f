"""MNIST score and FID of one DCGAN variant at fixed steps: how configs/dcgan.cfg was tuned.

    python benchmarks/dcgan_tuning.py --name=lr2e-3 --g_lr=2e-3 --d_lr=2e-3 --steps=3000 \
        --eval_every=1000 --threads=1

Trains the MNIST DCGAN (``tfgan.networks`` "dcgan" architecture, non-saturating loss, Adam) for
``--steps`` batches and every ``--eval_every`` steps prints one JSON line with the training
seconds so far, and the MNIST score and FID (``--eval_samples`` samples against the 10,000 test
digits, the packaged MNIST classifier) of both the raw generator and its moving average
(``GAN(ema_decay=...)``), plus the entropy terms of the score: ``exp(H(y) - E[H(y|x)])``, where
a low ``H(y)`` means missing classes and a high ``E[H(y|x)]`` ambiguous digits.

``--threads=1`` lets two variants run side by side on a 2-core machine; compare variants at
equal steps (the score per step), and time per step only between runs made the same way.
"""

import json
import os
import time

from absl import app
from absl import flags

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FLAGS = flags.FLAGS
flags.DEFINE_string("name", "dcgan", "Label of the variant in the output lines.")
flags.DEFINE_string("data_dir", os.path.join(ROOT, "..", "shared", "data", "mnist", "mnist.npz"),
                    "MNIST .npz (or a directory holding it).")
flags.DEFINE_integer("steps", 3000, "Training batches.")
flags.DEFINE_integer("eval_every", 1000, "Evaluate every n steps.")
flags.DEFINE_integer("eval_samples", 5000, "Generated images per evaluation.")
flags.DEFINE_integer("g_base", 32, "Generator base width (--g_base_filters).")
flags.DEFINE_integer("d_base", 32, "Discriminator base width (--d_base_filters).")
flags.DEFINE_integer("latent_dim", 100, "Size of z.")
flags.DEFINE_integer("batch_size", 64, "Batch size.")
flags.DEFINE_float("g_lr", 2e-4, "Generator learning rate.")
flags.DEFINE_float("d_lr", 2e-4, "Discriminator learning rate.")
flags.DEFINE_float("beta1", 0.5, "Adam beta_1.")
flags.DEFINE_float("beta2", 0.999, "Adam beta_2.")
flags.DEFINE_float("ema_decay", 0.999, "Generator moving-average decay.")
flags.DEFINE_string("norm", "batch", "Discriminator normalisation.")
flags.DEFINE_bool("spectral_norm", False, "Spectral normalisation in the discriminator.")
flags.DEFINE_string("mixed_precision", "mixed_bfloat16", "Keras dtype policy.")
flags.DEFINE_integer("threads", 0, "TensorFlow intra- and inter-op threads (0: all cores).")
flags.DEFINE_integer("seed", 0, "Seed of weights, data order and noise.")


def main(argv):
    del argv
    import tensorflow as tf  # after flag parsing: the thread counts must be set first
    if FLAGS.threads:
        tf.config.threading.set_intra_op_parallelism_threads(FLAGS.threads)
        tf.config.threading.set_inter_op_parallelism_threads(FLAGS.threads)
    import keras
    import numpy as np

    import tfgan
    from tfgan import quality
    from tfgan import evaluation
    from tfgan import networks

    keras.config.set_dtype_policy(FLAGS.mixed_precision)
    keras.utils.set_random_seed(FLAGS.seed)
    shape = (28, 28, 1)
    generator = networks.build_generator("dcgan", shape, FLAGS.latent_dim,
                                         base_filters=FLAGS.g_base)
    discriminator = networks.build_discriminator("dcgan", shape, norm=FLAGS.norm,
                                                 spectral_norm=FLAGS.spectral_norm,
                                                 base_filters=FLAGS.d_base)
    gan = tfgan.GAN(generator, discriminator, latent_dim=FLAGS.latent_dim, seed=FLAGS.seed,
                    ema_decay=FLAGS.ema_decay or None)
    gan.compile(d_optimizer=keras.optimizers.Adam(FLAGS.d_lr, FLAGS.beta1, FLAGS.beta2),
                g_optimizer=keras.optimizers.Adam(FLAGS.g_lr, FLAGS.beta1, FLAGS.beta2))
    dataset = tfgan.data.mnist("train", batch_size=FLAGS.batch_size, data_dir=FLAGS.data_dir,
                               shuffle=True, repeat=True, drop_remainder=True, seed=FLAGS.seed)
    extractor = evaluation.mnist_extractor()
    real, _ = quality.real_stats(extractor, "mnist", data_dir=FLAGS.data_dir)

    def measure(network):
        def sample(n):
            z = keras.random.normal((n, FLAGS.latent_dim))
            return tf.cast(network(z, training=False), tf.float32)

        features, logits = evaluation.compute_activations(extractor, sample,
                                                          num_samples=FLAGS.eval_samples)
        mu, sigma = evaluation.activation_statistics(features)
        fid = evaluation.frechet_distance_from_stats(mu, sigma, real.mu, real.sigma)
        score, _ = evaluation.inception_score(logits)
        # The Inception score is exp(H(y) - E[H(y|x)]); report both terms.
        probs = tf.nn.softmax(np.asarray(logits, np.float64)).numpy()
        marginal = probs.mean(0)
        h_y = float(-(marginal * np.log(marginal + 1e-12)).sum())
        h_y_given_x = float(-(probs * np.log(probs + 1e-12)).sum(1).mean())
        return {"score": round(score, 3), "fid": round(fid, 2),
                "H_y": round(h_y, 3), "H_y_given_x": round(h_y_given_x, 3)}

    class Evaluate(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.step, self.train_seconds, self.started = 0, 0.0, time.time()

        def on_train_batch_end(self, batch, logs=None):
            self.step += 1
            if self.step % FLAGS.eval_every and self.step != FLAGS.steps:
                return
            self.train_seconds += time.time() - self.started
            line = {"name": FLAGS.name, "step": self.step,
                    "train_seconds": round(self.train_seconds), "raw": measure(gan.generator)}
            if gan.ema_generator is not None:
                line["ema"] = measure(gan.ema_generator)
            print(json.dumps(line), flush=True)
            self.started = time.time()

    gan.fit(dataset, steps_per_epoch=FLAGS.steps, epochs=1, verbose=0, shuffle=False,
            callbacks=[Evaluate()])


if __name__ == "__main__":
    app.run(main)
