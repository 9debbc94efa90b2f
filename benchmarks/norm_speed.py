"""The training step with tfgan's fused normalisation layers against Keras' own, in one run.

    python benchmarks/norm_speed.py --configs=dcgan,wgangp,wgan

Keras 3 builds ``BatchNormalization`` from separate ops (float32 casts, moments, scale and
shift; the same again in the gradient); ``tfgan.layers.FusedBatchNormalization`` runs its
training pass as one fused kernel. For each config, the GAN is built twice, with tfgan's layers
(``fused``, as the library builds it) and with ``keras.layers.BatchNormalization`` in their
place (``keras``), and both are timed in alternating windows of ``--steps`` steps,
``--repeats`` rounds, as ``option_speed.py`` does. Reported: median ms/step and the median over
rounds of the fused/keras ratio. Compare numbers within one run only.
"""

import statistics
from unittest import mock

from absl import app
from absl import flags as absl_flags
import keras

import common
from tfgan import layers

FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_list("configs", ["dcgan", "wgangp", "wgan"], "Config names (configs/<name>.cfg).")
common.define_window_flags(steps=60)


def timed_gan(name: str, fused: bool) -> common.TimedGAN:
    """The config's GAN, with tfgan's fused layers or (``fused=False``) Keras' in their place."""
    config = common.config_from_file(name, f"--data_dir={FLAGS.data_dir}", "--eval_every=0")
    if fused:
        return common.TimedGAN(config)
    with mock.patch.object(layers, "FusedBatchNormalization", keras.layers.BatchNormalization):
        return common.TimedGAN(config)


def main(argv):
    del argv
    print("| config | keras ms/step | fused ms/step | fused / keras (median of rounds) |")
    print("| --- | ---: | ---: | ---: |")
    for name in FLAGS.configs:
        variants = {"keras": timed_gan(name, fused=False), "fused": timed_gan(name, fused=True)}
        for variant in variants.values():
            variant.window(FLAGS.warmup)
        seconds = common.alternate_windows(variants, FLAGS.steps, FLAGS.repeats)
        ratio = statistics.median(f / k for f, k in zip(seconds["fused"], seconds["keras"]))
        print(f"| {name} | {1000 * statistics.median(seconds['keras']):.1f} | "
              f"{1000 * statistics.median(seconds['fused']):.1f} | {ratio:.3f} |", flush=True)


if __name__ == "__main__":
    app.run(main)
