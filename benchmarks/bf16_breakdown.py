"""Where the MNIST DCGAN step's time goes under float32 and mixed_bfloat16, by component.

    python benchmarks/bf16_breakdown.py
    python benchmarks/bf16_breakdown.py --base_filters=32 --latent_dim=6   # dcgan.cfg's networks

Times (median of 15, after warm-up) the generator's forward pass, its forward and backward
pass, one discriminator forward and backward pass and the two Adam updates, each as its own
tf.function at batch 64, under both policies, and sums them into an estimated train step:
alternating updates (D update: G forward + D forward/backward on the real and the fake batch;
G update: G forward/backward + D forward/backward; both optimizers) and, with
``--reuse_fakes``, the same without the D update's separate G forward. It explains the
end-to-end bf16/fp32 ratio of benchmarks/throughput.py (which parts AMX speeds up and which
it does not) and why reusing the fakes saves as much as it does.
"""

import statistics
import time

from absl import app
from absl import flags
import keras
import tensorflow as tf

from tfgan import networks

FLAGS = flags.FLAGS
flags.DEFINE_integer("base_filters", 0, "Width of both networks (0: the dcgan default, 64).")
flags.DEFINE_integer("latent_dim", 100, "Latent size.")
flags.DEFINE_integer("batch_size", 64, "Batch size.")

POLICIES = ("float32", "mixed_bfloat16")


def median_ms(function, repeats=15):
    function()
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def component_times(policy):
    """``{component: ms}`` for the dcgan networks built under ``policy``."""
    keras.config.set_dtype_policy(policy)
    keras.utils.set_random_seed(0)
    base = FLAGS.base_filters or None
    generator = networks.build_generator("dcgan", (28, 28, 1), FLAGS.latent_dim,
                                         base_filters=base)
    discriminator = networks.build_discriminator("dcgan", (28, 28, 1), base_filters=base)
    keras.config.set_dtype_policy("float32")
    z = tf.random.normal([FLAGS.batch_size, FLAGS.latent_dim])
    images = tf.random.uniform([FLAGS.batch_size, 28, 28, 1], -1, 1)
    g_optimizer = keras.optimizers.Adam(2e-4, 0.5)
    d_optimizer = keras.optimizers.Adam(2e-4, 0.5)
    g_optimizer.build(generator.trainable_variables)
    d_optimizer.build(discriminator.trainable_variables)

    @tf.function
    def generator_forward():
        return generator(z, training=True)

    @tf.function
    def generator_forward_backward():
        with tf.GradientTape() as tape:
            output = tf.reduce_mean(generator(z, training=True))
        return tape.gradient(output, generator.trainable_variables)

    @tf.function
    def discriminator_forward_backward():
        with tf.GradientTape() as tape:
            output = tf.reduce_mean(discriminator(images, training=True))
        return tape.gradient(output, discriminator.trainable_variables)

    g_gradients = generator_forward_backward()
    d_gradients = discriminator_forward_backward()

    @tf.function
    def both_updates():
        g_optimizer.apply(g_gradients, generator.trainable_variables)
        d_optimizer.apply(d_gradients, discriminator.trainable_variables)

    return {"G forward": median_ms(generator_forward),
            "G forward+backward": median_ms(generator_forward_backward),
            "D forward+backward (one batch)": median_ms(discriminator_forward_backward),
            "Adam updates (G and D)": median_ms(both_updates)}


def main(argv):
    del argv
    times = {policy: component_times(policy) for policy in POLICIES}
    print(f"| component (batch {FLAGS.batch_size}, MNIST DCGAN, base "
          f"{FLAGS.base_filters or 'default'}, latent {FLAGS.latent_dim}) "
          "| float32 ms | mixed_bfloat16 ms | speed-up |")
    print("| --- | --- | --- | --- |")
    for component in times["float32"]:
        full, half = times["float32"][component], times["mixed_bfloat16"][component]
        print(f"| {component} | {full:.1f} | {half:.1f} | {full / half:.2f}x |")
    for policy, parts in times.items():
        d_pass = parts["D forward+backward (one batch)"]
        reused = parts["G forward+backward"] + 3 * d_pass + parts["Adam updates (G and D)"]
        alternating = reused + parts["G forward"]
        print(f"{policy}: estimated step {alternating:.1f} ms alternating, {reused:.1f} ms with "
              f"--reuse_fakes ({reused / alternating:.2f})")


if __name__ == "__main__":
    app.run(main)
