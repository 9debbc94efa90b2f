"""tfgan: the classic GAN family (GAN, DCGAN, cGAN, LSGAN, WGAN, WGAN-GP) for TensorFlow 2 / Keras 3.

The public API::

    tfgan.GAN                      the keras.Model that trains every system
    tfgan.losses                   loss pairs of discriminator logits, gradient penalty, clipping
    tfgan.networks                 build_generator / build_discriminator by architecture name
    tfgan.export_generator         the generator as a TensorFlow Serving SavedModel (atomic)
    tfgan.load_generator           load such an export with TensorFlow alone
    tfgan.callbacks                SampleGrid, MetricsLogger, ... for your own fit()
    tfgan.evaluation               FID / KID / Inception score; the packaged MNIST classifier
    tfgan.data                     mnist() / image_folder() / synthetic(): tf.data pipelines in [-1, 1]
    tfgan.train_lib                train_and_evaluate(config, workdir), restore_gan(workdir)
    tfgan.config                   Config: one field per command-line flag of tfgan-train

The names are imported on first use (``import tfgan`` itself does not load TensorFlow), so the
command-line tools in ``tfgan.cli`` answer ``--help`` without it.
"""

import importlib

__version__ = "0.1.0"

# name -> (module, attribute or None for the module itself)
_LAZY = {
    "GAN": ("tfgan.gan", "GAN"),
    "callbacks": ("tfgan.callbacks", None),
    "config": ("tfgan.config", None),
    "distribute": ("tfgan.distribute", None),
    "data": ("tfgan.data", None),
    "eval_lib": ("tfgan.eval_lib", None),
    "evaluation": ("tfgan.evaluation", None),
    "export": ("tfgan.export", None),
    "export_generator": ("tfgan.export", "export_generator"),
    "load_generator": ("tfgan.export", "load_generator"),
    "losses": ("tfgan.losses", None),
    "networks": ("tfgan.networks", None),
    "train_lib": ("tfgan.train_lib", None),
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'tfgan' has no attribute {name!r}")
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # Later lookups skip __getattr__.
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
