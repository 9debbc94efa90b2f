"""Does the image-folder pipeline keep up with training? Pipeline vs anime-DCGAN step, one run.

    python benchmarks/input_pipeline.py [--num_images=5000] [--folder=/tmp/anime_bench]

Writes ``--num_images`` generated 96x96 RGB JPEGs (smooth random colour fields with a few
shapes, so they compress like photographs rather than noise) into ``--folder`` unless it
already holds them, then measures in the same process:

* the ``tfgan.data.image_folder`` pipeline (scan + decode + resize/crop + scale + batch 64),
  images/second over full passes, first without a cache and then from the memory cache;
* the anime DCGAN training step (``configs/anime_dcgan.cfg``: transposed-conv G and conv D at
  96x96x3, D every batch, G every 5th) at batch 64, images/second, fed from memory so the step
  alone is timed;

and prints the table with the ratio. The pipeline must be several times faster than the step
(target: at least 5x) so that training never waits for data.
"""

import os
import statistics
import time

import numpy as np
from absl import app
from absl import flags as absl_flags
from PIL import Image, ImageDraw

import keras
import tensorflow as tf

from tfgan import data as data_lib
from tfgan import flags as tfgan_flags
from tfgan import task

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLAGS = absl_flags.FLAGS
absl_flags.DEFINE_string("folder", "/tmp/tfgan_anime_bench", "Where the JPEGs are written.")
absl_flags.DEFINE_integer("num_images", 5000, "Number of generated JPEGs.")
absl_flags.DEFINE_integer("batch_size", 64, "Batch size.")
absl_flags.DEFINE_integer("epochs", 2, "Timed passes over the folder per pipeline setting.")
absl_flags.DEFINE_integer("steps", 10, "Timed training steps (after warm-up).")
absl_flags.DEFINE_integer("warmup", 5, "Untimed training steps (tracing both G schedules).")


def make_folder(folder: str, num_images: int, size: int = 96) -> None:
    """Writes ``num_images`` synthetic 96x96 JPEG "faces" (skipped if already there)."""
    os.makedirs(folder, exist_ok=True)
    existing = {name for name in os.listdir(folder) if name.endswith(".jpg")}
    if len(existing) >= num_images:
        return
    rng = np.random.default_rng(0)
    ys, xs = np.mgrid[0:size, 0:size] / size
    for i in range(num_images):
        corners = rng.uniform(0, 255, (4, 3))
        field = (corners[0] * (1 - xs)[..., None] * (1 - ys)[..., None]
                 + corners[1] * xs[..., None] * (1 - ys)[..., None]
                 + corners[2] * (1 - xs)[..., None] * ys[..., None]
                 + corners[3] * xs[..., None] * ys[..., None])
        image = Image.fromarray(field.astype(np.uint8))
        draw = ImageDraw.Draw(image)
        for _ in range(3):
            x0, y0 = rng.integers(0, size - 20, 2)
            x1, y1 = x0 + rng.integers(10, 40), y0 + rng.integers(10, 40)
            draw.ellipse([int(x0), int(y0), int(x1), int(y1)],
                         fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
        image.save(os.path.join(folder, f"face_{i:05d}.jpg"), quality=90)


def pipeline_rate(folder: str, cache) -> float:
    """Median images/second over ``--epochs`` passes (the first pass fills a cache)."""
    dataset = data_lib.image_folder(folder, batch_size=FLAGS.batch_size, image_size=96,
                                    channels=3, seed=0, cache=cache)
    if cache:
        for _ in dataset:  # fill the cache; the timed passes read from it
            pass
    rates = []
    for _ in range(FLAGS.epochs):
        start, count = time.perf_counter(), 0
        for batch in dataset:
            count += int(batch.shape[0])
        rates.append(count / (time.perf_counter() - start))
    return statistics.median(rates)


def training_rate(folder: str) -> float:
    """Images/second of the anime DCGAN's training step at ``--batch_size``."""
    values = absl_flags.FlagValues()
    tfgan_flags.define_flags(values)
    values(["benchmark", f"--flagfile={os.path.join(ROOT, 'configs', 'anime_dcgan.cfg')}",
            f"--data_dir={folder}", f"--batch_size={FLAGS.batch_size}"])
    config = tfgan_flags.config_from_flags(values)
    keras.utils.set_random_seed(0)
    gan = task.build_gan(config)
    # A fixed in-memory batch, so only the training step is timed.
    batch = next(iter(data_lib.image_folder(folder, batch_size=FLAGS.batch_size, image_size=96,
                                            channels=3, seed=0)))
    dataset = tf.data.Dataset.from_tensors(batch).repeat()
    gan.fit(dataset, steps_per_epoch=FLAGS.warmup, epochs=1, verbose=0)
    # Whole G schedules (g_every=5), so the mix of D-only and D+G steps is the real one.
    steps = max(config.g_every, FLAGS.steps // config.g_every * config.g_every)
    start = time.perf_counter()
    gan.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * FLAGS.batch_size / (time.perf_counter() - start)


def main(argv):
    del argv
    start = time.perf_counter()
    make_folder(FLAGS.folder, FLAGS.num_images)
    print(f"{FLAGS.num_images} JPEGs (96x96x3) in {FLAGS.folder} "
          f"({time.perf_counter() - start:.1f} s to prepare); TensorFlow {tf.__version__}, "
          f"{os.cpu_count()} CPUs, batch {FLAGS.batch_size}")
    scan_start = time.perf_counter()
    index = data_lib.scan_image_folder(FLAGS.folder)
    scan_seconds = time.perf_counter() - scan_start
    uncached = pipeline_rate(FLAGS.folder, cache=None)
    cached = pipeline_rate(FLAGS.folder, cache="memory")
    train = training_rate(FLAGS.folder)
    print()
    print("| what | images/second | vs. training step |")
    print("| --- | --- | --- |")
    print(f"| folder scan + decode check ({len(index)} files, {scan_seconds:.2f} s) | "
          f"{len(index) / scan_seconds:.0f} | |")
    print(f"| pipeline, no cache (decode, resize, crop, batch) | {uncached:.0f} | "
          f"{uncached / train:.0f}x |")
    print(f"| pipeline, memory cache | {cached:.0f} | {cached / train:.0f}x |")
    print(f"| anime DCGAN training step (float32) | {train:.1f} | 1x |")


if __name__ == "__main__":
    app.run(main)
