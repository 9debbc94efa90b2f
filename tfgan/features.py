"""Feature networks for FID / KID / the Inception score: images in [-1, 1] -> features.

Feature extractors. Everything that turns images into features follows one contract: a callable
mapping a float32 image batch ``[B, H, W, C]`` in [-1, 1] to ``(features [B, F], logits [B, K])``
(``logits`` may be None: no Inception score then). :class:`FeatureExtractor` wraps a Keras model
into one (resizing and grey/RGB conversion included, run in a ``tf.function`` in inference mode
and always in float32, whatever the global mixed-precision policy). Three are built in:

* :func:`mnist_extractor` -- a small CNN trained on the MNIST training split and shipped inside
  the package (``tfgan/mnist_classifier/mnist_classifier.weights.h5``, reproduced by
  ``scripts/train_mnist_classifier.py``). Its 128-unit penultimate layer gives "MNIST FID"
  features and its 10 logits the "MNIST score", as TF-GAN's MNIST evaluation does. Works offline.
* :func:`anime_extractor` -- a small CNN trained on 33,431 96x96 anime faces and shipped inside
  the package (``tfgan/anime_features/anime_features.weights.h5``, reproduced by
  ``scripts/train_anime_features.py``): 128 features, no logits, for RGB images of any size
  (resized to 64x64). Trained on hair colour, eye colour, the rotation of a face and whether
  it was blurred or noised, so FID/KID on it respond to colours, facial structure and
  sharpness (``benchmarks/anime_features_check.py`` measures that). Works offline; the default
  (``"auto"``) for RGB images in ``bin/evaluate.py`` and ``--eval_every``.
* :func:`inception_v3_extractor` -- ``keras.applications.InceptionV3`` with ImageNet weights:
  2048 pool features and 1000 logits, images resized to 299x299. The weights (92 MB) must be
  downloadable or already in ``~/.keras/models``; offline without them a
  :class:`WeightsUnavailableError` says what to do.
"""

import contextlib
import importlib.resources
import os
from typing import Callable, Optional, Sequence, Tuple, Union

import keras
import numpy as np
import tensorflow as tf

from tfgan import names

__all__ = [
    "ANIME_EYE_COLOURS",
    "ANIME_FEATURES_WEIGHTS_FILE",
    "ANIME_HAIR_COLOURS",
    "ANIME_QUALITY_CLASSES",
    "FeatureExtractor",
    "INCEPTION_V3_WEIGHTS_FILE",
    "MNIST_CLASSIFIER_WEIGHTS_FILE",
    "WeightsUnavailableError",
    "anime_extractor",
    "anime_features_model",
    "anime_features_weights_path",
    "class_accuracy_applies",
    "get_extractor",
    "inception_v3_extractor",
    "mnist_classifier",
    "mnist_classifier_weights_path",
    "mnist_extractor",
]

#: File name of the packaged MNIST classifier weights, inside ``tfgan/mnist_classifier/``.
MNIST_CLASSIFIER_WEIGHTS_FILE = "mnist_classifier.weights.h5"
_MNIST_CLASSIFIER_DIR = "mnist_classifier"
_MNIST_IMAGE_SIZE = 28
_MNIST_NUM_CLASSES = 10
_MNIST_FEATURES_LAYER = "features"

#: File name of the packaged anime-face feature network weights, inside ``tfgan/anime_features/``.
ANIME_FEATURES_WEIGHTS_FILE = "anime_features.weights.h5"
_ANIME_FEATURES_DIR = "anime_features"
_ANIME_IMAGE_SIZE = 64
_ANIME_FEATURES_LAYER = "features"
#: Hair and eye colour names of the anime network's heads, in logit order (label.csv order).
ANIME_HAIR_COLOURS = ("orange", "white", "aqua", "gray", "green", "red", "purple", "pink",
                      "blue", "black", "brown", "blonde")
ANIME_EYE_COLOURS = ("gray", "black", "orange", "pink", "yellow", "aqua", "purple", "green",
                     "brown", "red", "blue")

#: File name under which Keras caches the InceptionV3 ImageNet weights (``~/.keras/models/``).
INCEPTION_V3_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
_INCEPTION_V3_WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
                             "inception_v3/" + INCEPTION_V3_WEIGHTS_FILE)
_INCEPTION_V3_WEIGHTS_MD5 = "9a0d58056eeedaa3f26cb7ebd46da564"
_INCEPTION_IMAGE_SIZE = 299
_LUMA_WEIGHTS = np.array([0.2989, 0.5870, 0.1140], np.float32) / np.float32(0.9999)


class WeightsUnavailableError(RuntimeError):
    """The weights of a feature network can be neither found locally nor downloaded."""





def _as_image_batch(images) -> tf.Tensor:
    """float32 ``[B, H, W, C]`` from float images in [-1, 1] or uint8 images in [0, 255];
    ``[B, H, W]`` gets a channel axis."""
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        images = tf.cast(images, tf.float32) / 127.5 - 1.0
    elif images.dtype != tf.float32:
        images = tf.cast(images, tf.float32)
    if images.shape.rank == 3:
        images = images[..., tf.newaxis]
    if images.shape.rank != 4:
        raise ValueError(f"Images must be [batch, height, width, channels] (or [batch, height, "
                         f"width] for grey), got shape {tuple(images.shape)}.")
    return images


class FeatureExtractor:
    """A Keras model as a feature extractor: images in [-1, 1] -> ``(features, logits)``.

    Calling it on a float32 batch ``[B, H, W, C]`` in [-1, 1] (or uint8 in [0, 255], or
    ``[B, H, W]``) converts RGB to grey or grey to RGB as the model needs, resizes bilinearly
    (with antialiasing) to the model's input size, runs the model in inference mode inside a
    ``tf.function`` and returns float32 tensors ``features [B, F]`` and ``logits [B, K]`` (None
    when the model has a single output).

    Any other callable with this contract works wherever an extractor is expected.

    Attributes:
        model: The wrapped model; its output is ``features`` or ``[features, logits]``. Its
            input must take ``[B, image_size[0], image_size[1], channels]`` in [-1, 1].
        image_size: ``(height, width)`` the images are resized to.
        channels: 1 or 3, the channels the model expects.
        name: A short name for logs.
    """

    def __init__(self, model: keras.Model, *, image_size: Sequence[int], channels: int,
                 name: str = "extractor"):
        """Wraps ``model``.

        Args:
            model: A Keras model returning ``features`` or ``(features, logits)``.
            image_size: ``(height, width)`` of the model input, or an int for square inputs.
            channels: 1 (grey) or 3 (RGB) model input channels.
            name: A short name for logs.
        """
        if isinstance(image_size, int):
            image_size = (image_size, image_size)
        self.image_size = tuple(int(s) for s in image_size)
        if len(self.image_size) != 2 or min(self.image_size) < 1:
            raise ValueError(f"image_size must be (height, width), got {image_size!r}.")
        if channels not in (1, 3):
            raise ValueError(f"channels must be 1 or 3, got {channels!r}.")
        self.model = model
        self.channels = int(channels)
        self.name = name
        self._functions = {}  # one tf.function per (H, W, C) of the input, any batch size

    def _preprocess(self, images: tf.Tensor) -> tf.Tensor:
        channels = images.shape[-1]
        if channels != self.channels:
            if channels == 3 and self.channels == 1:
                # ITU-R 601 luma weights (as tf.image.rgb_to_grayscale) normalised to sum to
                # exactly 1, so that -1 and 1 stay -1 and 1.
                images = tf.reduce_sum(images * _LUMA_WEIGHTS, axis=-1, keepdims=True)
            elif channels == 1 and self.channels == 3:
                images = tf.tile(images, [1, 1, 1, 3])
            else:
                raise ValueError(f"{self.name} takes images with 1 or 3 channels, got "
                                 f"{channels}.")
        if tuple(images.shape[1:3]) != self.image_size:
            images = tf.image.resize(images, self.image_size, method="bilinear", antialias=True)
        return images

    def _forward_eager(self, images: tf.Tensor):
        outputs = self.model(self._preprocess(images), training=False)
        if isinstance(outputs, (list, tuple)):
            features, logits = outputs
            return tf.cast(features, tf.float32), tf.cast(logits, tf.float32)
        return tf.cast(outputs, tf.float32), None

    def __call__(self, images) -> Tuple[tf.Tensor, Optional[tf.Tensor]]:
        """Features (and logits) of an image batch.

        Args:
            images: float ``[B, H, W, C]`` in [-1, 1], uint8 in [0, 255], or ``[B, H, W]``.

        Returns:
            ``(features, logits)``: float32 ``[B, F]`` and ``[B, K]`` (or None).
        """
        images = _as_image_batch(images)
        key = tuple(images.shape[1:])
        if key not in self._functions:
            if None in key:
                raise ValueError(f"Image height, width and channels must be known, got shape "
                                 f"{tuple(images.shape)}.")
            self._functions[key] = tf.function(
                self._forward_eager,
                input_signature=[tf.TensorSpec((None,) + key, tf.float32)])
        return self._functions[key](images)

    @property
    def feature_dim(self) -> int:
        """F, the number of features."""
        outputs = self.model.outputs
        return int(outputs[0].shape[-1])

    @property
    def num_classes(self) -> Optional[int]:
        """K, the number of logits, or None without logits."""
        outputs = self.model.outputs
        return int(outputs[1].shape[-1]) if len(outputs) > 1 else None

    def __repr__(self) -> str:
        return (f"FeatureExtractor(name={self.name!r}, image_size={self.image_size}, "
                f"channels={self.channels}, features={self.feature_dim}, "
                f"logits={self.num_classes})")


@contextlib.contextmanager
def _float32_policy():
    """Builds models in float32 whatever the global (e.g. mixed-precision) policy; restores it."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _packaged_weights_path(directory: str, filename: str) -> str:
    """``.../tfgan/<directory>/<filename>``: weights shipped inside the package."""
    return os.fspath(importlib.resources.files("tfgan") / directory / filename)


def _load_packaged(build: Callable[..., keras.Model], what: str, directory: str, filename: str,
                   script: str, weights_path: Optional[str] = None) -> keras.Model:
    """A packaged network, built in float32 by ``build(dtype=...)``, its weights loaded, frozen.

    Args:
        build: the architecture, e.g. ``_build_mnist_classifier``.
        what: its name in the error message.
        directory, filename: where its weights ship (``tfgan/<directory>/<filename>``).
        script: the script that rebuilds the weights (named in the error message).
        weights_path: a ``.weights.h5`` file for ``build``'s architecture; None: the packaged
            weights.

    Raises:
        FileNotFoundError: the weights file is missing.
    """
    path = (os.fspath(weights_path) if weights_path is not None
            else _packaged_weights_path(directory, filename))
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{what} weights not found at {path}. They ship with tfgan "
            f"(tfgan/{directory}/{filename}); reinstall the package or rebuild them with "
            f"{script}.")
    with _float32_policy():
        model = build(dtype="float32")
    model.load_weights(path)
    model.trainable = False
    return model


def _build_mnist_classifier(dtype=None) -> keras.Model:
    """The MNIST classifier's architecture (random weights).

    conv3x3(32)-BN-ReLU x2, max-pool, conv3x3(64)-BN-ReLU x2, max-pool, flatten, dropout 0.25,
    dense 128-BN-ReLU (the ReLU is the layer named ``"features"``), dropout 0.5, dense 10
    (``"logits"``). The batch normalisation of the dense layer keeps its units from dying (without
    it, a third of them never fired), so all 128 features carry information.

    Args:
        dtype: Keras dtype policy of every layer; None: the global policy (the training script
            uses ``mixed_bfloat16``), ``"float32"`` for evaluation.

    Returns:
        A functional ``keras.Model`` from ``[B, 28, 28, 1]`` images in [-1, 1] to ``[B, 10]``
        logits.
    """
    def conv_bn_relu(x, filters, index):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, dtype=dtype,
                                name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(dtype=dtype, name=f"bn{index}")(x)
        return keras.layers.ReLU(dtype=dtype, name=f"relu{index}")(x)

    inputs = keras.Input((_MNIST_IMAGE_SIZE, _MNIST_IMAGE_SIZE, 1), name="images")
    x = conv_bn_relu(inputs, 32, 1)
    x = conv_bn_relu(x, 32, 2)
    x = keras.layers.MaxPooling2D(dtype=dtype, name="pool1")(x)
    x = conv_bn_relu(x, 64, 3)
    x = conv_bn_relu(x, 64, 4)
    x = keras.layers.MaxPooling2D(dtype=dtype, name="pool2")(x)
    x = keras.layers.Flatten(dtype=dtype, name="flatten")(x)
    x = keras.layers.Dropout(0.25, dtype=dtype, name="dropout1")(x)
    x = keras.layers.Dense(128, use_bias=False, dtype=dtype, name="dense")(x)
    x = keras.layers.BatchNormalization(dtype=dtype, name="bn5")(x)
    x = keras.layers.ReLU(dtype=dtype, name=_MNIST_FEATURES_LAYER)(x)
    x = keras.layers.Dropout(0.5, dtype=dtype, name="dropout2")(x)
    logits = keras.layers.Dense(_MNIST_NUM_CLASSES, dtype=dtype, name="logits")(x)
    return keras.Model(inputs, logits, name="mnist_classifier")


def mnist_classifier_weights_path() -> str:
    """Path of the MNIST classifier weights shipped in the package.

    Returns:
        ``.../tfgan/mnist_classifier/mnist_classifier.weights.h5`` (it may be missing in a
        broken install; :func:`mnist_classifier` checks).
    """
    return _packaged_weights_path(_MNIST_CLASSIFIER_DIR, MNIST_CLASSIFIER_WEIGHTS_FILE)


def mnist_classifier(weights_path: Optional[str] = None) -> keras.Model:
    """The packaged MNIST classifier, in float32 and frozen.

    Trained by ``scripts/train_mnist_classifier.py`` on the 60,000 training digits; see
    ``docs/evaluation.md`` for its test accuracy.

    Args:
        weights_path: A ``.weights.h5`` file for :func:`_build_mnist_classifier`'s
            architecture; None: the weights shipped in the package.

    Returns:
        A ``keras.Model`` from ``[B, 28, 28, 1]`` float32 images in [-1, 1] to ``[B, 10]``
        logits; the penultimate layer is ``model.get_layer("features")`` (128 units).

    Raises:
        FileNotFoundError: The weights file is missing.
    """
    return _load_packaged(_build_mnist_classifier, "MNIST classifier", _MNIST_CLASSIFIER_DIR,
                          MNIST_CLASSIFIER_WEIGHTS_FILE, "scripts/train_mnist_classifier.py",
                          weights_path)


def mnist_extractor(weights_path: Optional[str] = None) -> FeatureExtractor:
    """"MNIST FID" features and "MNIST score" logits from the packaged classifier.

    Images of any size are resized to 28x28 (e.g. the 32x32 MNIST of the seed code) and RGB is
    converted to grey.

    Args:
        weights_path: Optional weights file; None: the packaged weights.

    Returns:
        A :class:`FeatureExtractor` giving 128 penultimate (post-ReLU) features and 10 logits.
    """
    classifier = mnist_classifier(weights_path)
    with _float32_policy():
        model = keras.Model(
            classifier.inputs,
            [classifier.get_layer(_MNIST_FEATURES_LAYER).output, classifier.outputs[0]],
            name="mnist_extractor")
    return FeatureExtractor(model, image_size=_MNIST_IMAGE_SIZE, channels=1, name="mnist")


# The anime network's convolutions: (filters, stride) of each conv3x3-BN-ReLU block.
_ANIME_CONV_BLOCKS = ((32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (256, 2))
_ANIME_FEATURE_DIM = 128
#: Rotation classes of the anime network's self-supervised head: 0, 90, 180, 270 degrees.
_ANIME_ROTATIONS = 4
#: Classes of the anime network's self-supervised image-quality head.
ANIME_QUALITY_CLASSES = ("clean", "mild resampling blur", "strong resampling blur", "noise")


def _build_anime_features_net(dtype=None) -> keras.Model:
    """The anime-face feature network's architecture (random weights).

    Seven conv3x3-BN-ReLU blocks on ``[B, 64, 64, 3]`` images in [-1, 1] with (filters,
    stride) ``(32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (256, 2)`` (64 -> 4 px),
    global average pooling, dense 128-BN-ReLU (the ReLU is the layer named ``"features"``) and
    four linear heads on the features: ``"hair"`` (12 hair colours, ``ANIME_HAIR_COLOURS``),
    ``"eye"`` (11 eye colours, ``ANIME_EYE_COLOURS``), ``"rotation"`` (4 classes: the face was
    rotated by 0, 90, 180 or 270 degrees, a self-supervised task that makes the features
    depend on facial structure, not only on colour) and ``"quality"`` (4 classes,
    ``ANIME_QUALITY_CLASSES``: clean, mildly or strongly blurred by resampling, or noisy; a
    self-supervised task that makes them depend on sharpness). Trained by
    ``scripts/train_anime_features.py``.

    Args:
        dtype: Keras dtype policy of every layer; None: the global policy (the training script
            uses ``mixed_bfloat16``), ``"float32"`` for evaluation.

    Returns:
        A functional ``keras.Model`` from ``[B, 64, 64, 3]`` images to the logits
        ``[hair [B, 12], eye [B, 11], rotation [B, 4], quality [B, 4]]``.
    """
    inputs = keras.Input((_ANIME_IMAGE_SIZE, _ANIME_IMAGE_SIZE, 3), name="images")
    x = inputs
    for index, (filters, stride) in enumerate(_ANIME_CONV_BLOCKS, start=1):
        x = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                                dtype=dtype, name=f"conv{index}")(x)
        x = keras.layers.BatchNormalization(dtype=dtype, name=f"bn{index}")(x)
        x = keras.layers.ReLU(dtype=dtype, name=f"relu{index}")(x)
    x = keras.layers.GlobalAveragePooling2D(dtype=dtype, name="pool")(x)
    x = keras.layers.Dense(_ANIME_FEATURE_DIM, use_bias=False, dtype=dtype, name="dense")(x)
    x = keras.layers.BatchNormalization(dtype=dtype, name="bn_features")(x)
    features = keras.layers.ReLU(dtype=dtype, name=_ANIME_FEATURES_LAYER)(x)
    outputs = [
        keras.layers.Dense(len(ANIME_HAIR_COLOURS), dtype=dtype, name="hair")(features),
        keras.layers.Dense(len(ANIME_EYE_COLOURS), dtype=dtype, name="eye")(features),
        keras.layers.Dense(_ANIME_ROTATIONS, dtype=dtype, name="rotation")(features),
        keras.layers.Dense(len(ANIME_QUALITY_CLASSES), dtype=dtype, name="quality")(features),
    ]
    return keras.Model(inputs, outputs, name="anime_features")


def anime_features_weights_path() -> str:
    """Path of the anime-face feature network weights shipped in the package.

    Returns:
        ``.../tfgan/anime_features/anime_features.weights.h5`` (it may be missing in a broken
        install; :func:`anime_features_model` checks).
    """
    return _packaged_weights_path(_ANIME_FEATURES_DIR, ANIME_FEATURES_WEIGHTS_FILE)


def anime_features_model(weights_path: Optional[str] = None) -> keras.Model:
    """The packaged anime-face feature network with its heads, in float32 and frozen.

    Trained by ``scripts/train_anime_features.py`` on 96x96 anime faces (its docstring gives
    the held-out hair and eye colour accuracies and the FID/KID checks).

    Args:
        weights_path: A ``.weights.h5`` file for :func:`_build_anime_features_net`'s
            architecture; None: the weights shipped in the package.

    Returns:
        A ``keras.Model`` from ``[B, 64, 64, 3]`` float32 RGB images in [-1, 1] to the logits
        ``[hair [B, 12], eye [B, 11], rotation [B, 4], quality [B, 4]]``; the 128 features
        are ``model.get_layer("features").output``.

    Raises:
        FileNotFoundError: The weights file is missing (the message names the script that
            rebuilds it).
    """
    return _load_packaged(_build_anime_features_net, "Anime feature network",
                          _ANIME_FEATURES_DIR, ANIME_FEATURES_WEIGHTS_FILE,
                          "scripts/train_anime_features.py", weights_path)


def anime_extractor(weights_path: Optional[str] = None) -> FeatureExtractor:
    """"Anime FID" features from the packaged anime-face network, for RGB images.

    Images of any size (e.g. the 96x96 faces of the anime DCGAN, or 64x64) are resized to
    64x64 (bilinear, antialiased) and grey images tiled to RGB. The features are the 128
    post-ReLU units of the penultimate layer, trained to predict hair colour, eye colour, the
    rotation of a face and whether it was blurred or noised, so they respond to colours, facial
    structure and sharpness. No logits are returned (no Inception score): a colour
    classifier's confidence says little about sample quality.

    Args:
        weights_path: Optional weights file; None: the packaged weights.

    Returns:
        A :class:`FeatureExtractor` with 128 features and no logits, in float32.

    Raises:
        FileNotFoundError: The weights file is missing.
    """
    network = anime_features_model(weights_path)
    with _float32_policy():
        model = keras.Model(network.inputs, network.get_layer(_ANIME_FEATURES_LAYER).output,
                            name="anime_extractor")
    return FeatureExtractor(model, image_size=_ANIME_IMAGE_SIZE, channels=3, name="anime")


def _keras_models_dir() -> str:
    return os.path.join(os.environ.get("KERAS_HOME", os.path.join(os.path.expanduser("~"),
                                                                   ".keras")), "models")


def _inception_v3_weights() -> str:
    """Local path of the InceptionV3 ImageNet weights (Keras' cache; downloads if missing)."""
    try:
        return keras.utils.get_file(INCEPTION_V3_WEIGHTS_FILE, _INCEPTION_V3_WEIGHTS_URL,
                                    cache_subdir="models", file_hash=_INCEPTION_V3_WEIGHTS_MD5)
    except Exception as e:  # Keras raises a bare Exception for URL errors, ValueError for hashes
        raise WeightsUnavailableError(
            f"The InceptionV3 ImageNet weights are not available: {INCEPTION_V3_WEIGHTS_FILE} is "
            f"not in {_keras_models_dir()} and downloading it from {_INCEPTION_V3_WEIGHTS_URL} "
            f"failed ({type(e).__name__}: {e}). On a machine without internet access, copy that "
            f"file into {_keras_models_dir()} (or $KERAS_HOME/models), or pass "
            f"inception_v3_extractor(weights='/path/to/{INCEPTION_V3_WEIGHTS_FILE}'). For MNIST "
            f"use the classifier shipped with tfgan instead: tfgan.evaluation.mnist_extractor()."
        ) from e


def inception_v3_extractor(weights: Optional[str] = "imagenet") -> FeatureExtractor:
    """InceptionV3 (``keras.applications``) pool features and logits, for RGB data.

    Images are resized to 299x299 (bilinear, antialiased) and grey images tiled to RGB; the
    input range [-1, 1] is already what InceptionV3 expects. Features are the 2048-d global
    average pool, logits the 1000 ImageNet logits of the top layer. (Published FIDs use the
    original TF1 Inception graph with 1008 classes; Keras' port gives close but not identical
    numbers.) About 5.7 GFLOP per image: 10,000 images take minutes on a CPU.

    Args:
        weights: "imagenet" (Keras' cache in ``~/.keras/models``, downloaded if missing), a path
            to ``inception_v3_weights_tf_dim_ordering_tf_kernels.h5``, or None for random
            weights (for tests of the plumbing only; the numbers mean nothing).

    Returns:
        A :class:`FeatureExtractor` with 2048 features and 1000 logits, in float32.

    Raises:
        WeightsUnavailableError: ``weights="imagenet"`` and the file is neither cached nor
            downloadable (e.g. offline); the message says where to put it.
        FileNotFoundError: ``weights`` is a path that does not exist.
    """
    if weights == "imagenet":
        weights_path = _inception_v3_weights()
    elif weights is None:
        weights_path = None
    else:
        weights_path = os.fspath(weights)
        if not os.path.isfile(weights_path):
            raise FileNotFoundError(f"InceptionV3 weights file not found: {weights_path}")
    with _float32_policy():
        base = keras.applications.InceptionV3(include_top=True, weights=weights_path,
                                              classifier_activation=None)
        base.trainable = False
        model = keras.Model(base.inputs, [base.get_layer("avg_pool").output, base.outputs[0]],
                            name="inception_v3_extractor")
    return FeatureExtractor(model, image_size=_INCEPTION_IMAGE_SIZE, channels=3,
                            name="inception_v3")


_EXTRACTORS = {"mnist": mnist_extractor, "anime": anime_extractor,
               "inception_v3": inception_v3_extractor}
assert tuple(_EXTRACTORS) == names.FEATURE_EXTRACTORS, "tfgan.names.FEATURE_EXTRACTORS differs"


def get_extractor(extractor: Union[str, Callable]) -> Callable:
    """An extractor by name, or the argument itself if it is already callable.

    Args:
        extractor: "mnist" (:func:`mnist_extractor`), "anime" (:func:`anime_extractor`),
            "inception_v3" (:func:`inception_v3_extractor`) or a callable with the extractor
            contract.

    Returns:
        A callable ``images [B, H, W, C] in [-1, 1] -> (features [B, F], logits [B, K] or
        None)``.
    """
    if isinstance(extractor, str):
        if extractor not in _EXTRACTORS:
            raise ValueError(f"Unknown extractor {extractor!r}; choose one of "
                             f"{sorted(_EXTRACTORS)} or pass a callable.")
        return _EXTRACTORS[extractor]()
    if not callable(extractor):
        raise TypeError(f"extractor must be a name or a callable, got {type(extractor).__name__}.")
    return extractor


def class_accuracy_applies(extractor_name: str, num_classes: Optional[int]) -> bool:
    """Whether a generator's class accuracy can be measured with this extractor.

    True for a conditional generator of the MNIST classifier's 10 classes scored by it
    (``extractor_name == "mnist"``); ImageNet classes (InceptionV3) or other label sets are
    not the generator's classes.
    """
    return extractor_name == "mnist" and num_classes == _MNIST_NUM_CLASSES
