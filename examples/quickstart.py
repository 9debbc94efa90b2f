"""tfgan inside your own script: build, compile, fit on MNIST, generate.

    python examples/quickstart.py --data_dir=$HOME/.keras/datasets/mnist.npz --steps=2000

This is the README's "Use it from Python" section, kept runnable (the tests run it for a few
steps).
"""

import argparse
import os

import keras

import tfgan


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data_dir", default=os.path.expanduser("~/.keras/datasets/mnist.npz"),
                        help="mnist.npz (keras.datasets.mnist layout) or a directory with it")
    parser.add_argument("--steps", type=int, default=2000, help="training batches")
    parser.add_argument("--output", default="samples.png", help="where to write a sample grid")
    args = parser.parse_args()

    # 1. Data: batches of [64, 28, 28, 1] float32 images in [-1, 1].
    dataset = tfgan.data.mnist("train", batch_size=64, data_dir=args.data_dir, seed=0)

    # 2. Networks by architecture name, then the GAN: DCGAN with the non-saturating loss.
    generator = tfgan.networks.build_generator("dcgan", (28, 28, 1), latent_dim=64)
    discriminator = tfgan.networks.build_discriminator("dcgan", (28, 28, 1))
    gan = tfgan.GAN(generator, discriminator, latent_dim=64, loss="non_saturating", seed=0)

    # 3. compile() takes one optimizer per network (defaults: Adam 2e-4, beta_1 0.5).
    gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))

    # 4. fit() with any Keras callbacks; metrics are d_loss, g_loss, d_real, d_fake.
    gan.fit(dataset.repeat(), steps_per_epoch=args.steps, epochs=1,
            callbacks=[keras.callbacks.TerminateOnNaN()])

    # 5. Sample: [16, 28, 28, 1] float32 in [-1, 1].
    images = gan.generate(16, seed=0)
    grid = images.numpy().reshape(4, 4, 28, 28).transpose(0, 2, 1, 3).reshape(4 * 28, 4 * 28)
    keras.utils.save_img(args.output, (grid[..., None] + 1) * 127.5, scale=False)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
