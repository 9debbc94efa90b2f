"""tfgan: the classic GAN family (GAN, DCGAN, cGAN, LSGAN, WGAN, WGAN-GP) for TensorFlow 2 / Keras 3.

The public API::

    tfgan.GAN                      the keras.Model that trains every system
    tfgan.losses                   loss pairs of discriminator logits, gradient penalty, clipping
    tfgan.networks                 build_generator / build_discriminator by architecture name
    tfgan.layers                   MinibatchStdDev (minibatch spread), FusedBatchNormalization
    tfgan.export_generator         the generator as a TensorFlow Serving SavedModel (atomic)
    tfgan.load_generator           load such an export with TensorFlow alone
    tfgan.callbacks                SampleGrid, MetricsLogger, ... for your own fit()
    tfgan.images                   image_grid / save_png / save_image_grid / to_uint8
    tfgan.sampling                 Sampler: images from a GAN or an export, top-k by the critic
    tfgan.evaluation               FID / KID / Inception score; MNIST and anime-face features
    tfgan.data                     mnist() / image_folder() / synthetic(): tf.data pipelines in [-1, 1]
    tfgan.augment                  diff_augment(): DiffAugment (color, translation, cutout)

Training runs from a config (``tfgan.train_lib.train_and_evaluate``, ``restore_gan``) and the
rest of the driver layer are imported on demand; the layout, in the order data flows:
``names`` / ``config`` / ``flags`` (TensorFlow-free) -> ``task`` (GAN, data, optimizers of a
config) -> ``train_lib`` with ``callbacks`` -> ``workdir`` (checkpoints, config.json, exports)
-> ``sampling``, ``quality``, ``eval_lib`` (``evaluation`` = ``metrics`` + ``features``).
"""

from tfgan import (augment, callbacks, data, evaluation, export, images, layers, losses, networks,
                   sampling)
from tfgan.export import export_generator, load_generator
from tfgan.gan import GAN

__version__ = "0.1.0"

__all__ = ["GAN", "augment", "callbacks", "data", "evaluation", "export", "export_generator",
           "images", "layers", "load_generator", "losses", "networks", "sampling", "__version__"]
