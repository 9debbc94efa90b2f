"""tfgan: the classic GAN family (GAN, DCGAN, cGAN, LSGAN, WGAN, WGAN-GP) for TensorFlow 2 / Keras 3.

The public API::

    tfgan.GAN                      the keras.Model that trains every system
    tfgan.losses                   loss pairs of discriminator logits, gradient penalty, clipping
    tfgan.networks                 build_generator / build_discriminator by architecture name
    tfgan.export_generator         the generator as a TensorFlow Serving SavedModel (atomic)
    tfgan.load_generator           load such an export with TensorFlow alone
    tfgan.callbacks                SampleGrid, MetricsLogger, ... for your own fit()
    tfgan.evaluation               FID / KID / Inception score; MNIST and anime-face features
    tfgan.data                     mnist() / image_folder() / synthetic(): tf.data pipelines in [-1, 1]
    tfgan.augment                  diff_augment(): DiffAugment (color, translation, cutout)
"""

from tfgan import augment, callbacks, data, evaluation, export, losses, networks
from tfgan.export import export_generator, load_generator
from tfgan.gan import GAN

__version__ = "0.1.0"

__all__ = ["GAN", "augment", "callbacks", "data", "evaluation", "export", "export_generator", "load_generator", "losses", "networks",
           "__version__"]
