"""A user's own conditional GAN on MNIST, assembled from tfgan pieces.

    python examples/conditional_mnist.py --data_dir=$HOME/.keras/datasets/mnist.npz --steps=3000

Your own generator (a functional Keras model written here, not a tfgan builder) and tfgan's
spectrally normalised conditional discriminator, trained with tfgan.GAN and ordinary Keras
callbacks; at the end, one row of samples per digit.
"""

import argparse
import os

import keras
import numpy as np

import tfgan

IMAGE_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def my_generator(latent_dim: int) -> keras.Model:
    """z [batch, latent_dim] and digit [batch] -> images [batch, 28, 28, 1] in [-1, 1]."""
    z = keras.Input((latent_dim,), name="z")
    digit = keras.Input((), dtype="int32", name="digit")
    h = keras.layers.Concatenate()([z, keras.layers.Embedding(NUM_CLASSES, 32)(digit)])
    h = keras.layers.Dense(7 * 7 * 64, use_bias=False)(h)
    h = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization()(h))
    h = keras.layers.Reshape((7, 7, 64))(h)
    h = keras.layers.Conv2DTranspose(64, 4, strides=2, padding="same", use_bias=False)(h)
    h = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization()(h))
    h = keras.layers.Conv2DTranspose(32, 4, strides=2, padding="same", use_bias=False)(h)
    h = keras.layers.LeakyReLU(0.2)(keras.layers.BatchNormalization()(h))
    images = keras.layers.Conv2D(1, 3, padding="same", activation="tanh", dtype="float32")(h)
    return keras.Model([z, digit], images, name="my_generator")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data_dir", default=os.path.expanduser("~/.keras/datasets/mnist.npz"))
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--latent_dim", type=int, default=64)
    parser.add_argument("--output_dir", default="conditional_mnist")
    args = parser.parse_args()
    os.makedirs(args.output_dir, exist_ok=True)

    # (images [64, 28, 28, 1] in [-1, 1], labels [64] int32) batches.
    dataset = tfgan.data.mnist("train", batch_size=64, with_labels=True,
                               data_dir=args.data_dir, seed=0)
    discriminator = tfgan.networks.build_discriminator(
        "dcgan", IMAGE_SHAPE, num_classes=NUM_CLASSES, spectral_norm=True)
    gan = tfgan.GAN(my_generator(args.latent_dim), discriminator, latent_dim=args.latent_dim,
                    num_classes=NUM_CLASSES, loss="hinge", seed=0)
    gan.compile()  # Adam 2e-4, beta_1 0.5 for both networks
    gan.fit(dataset.repeat(), steps_per_epoch=args.steps, epochs=1, verbose=2, callbacks=[
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(os.path.join(args.output_dir, "log.csv")),
        tfgan.callbacks.SampleGrid(os.path.join(args.output_dir, "samples"),
                                   every_n_steps=max(1, args.steps // 4)),
    ])

    # Eight samples of each digit: row d holds digit d.
    labels = np.repeat(np.arange(NUM_CLASSES), 8)
    images = gan.generate(labels=labels, seed=0)
    path = os.path.join(args.output_dir, "digits.png")
    tfgan.images.save_image_grid(images, path, rows=NUM_CLASSES)
    gan.save(os.path.join(args.output_dir, "gan.keras"))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
