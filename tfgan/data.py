"""Input pipelines: MNIST, folders of images and synthetic data, as `tf.data`.

Every builder returns a `tf.data.Dataset` whose elements are

* ``images``: float32 ``[batch, H, W, C]`` scaled to [-1, 1] (``pixel / 127.5 - 1``), or
* ``(images, labels)`` with labels int32 ``[batch]`` when ``with_labels=True``.

With ``drop_remainder=True`` (the default) the batch dimension is static, which XLA, Keras and
``tf.distribute`` all prefer.

Shared practice (one private helper, :func:`_finish_pipeline`, builds the tail of every pipeline)::

    source (numpy arrays or file paths, sharded by InputContext if given)
      -> [shuffle paths]           image folders without cache: a cheap, perfect shuffle
      -> parallel decode/resize    num_parallel_calls=AUTOTUNE -> uint8 [H, W, C]
      -> ignore_errors             image folders only: runtime safety net
      -> cache                     None, "memory" or a file prefix; holds uint8 images
      -> shuffle(seed)             reshuffled every iteration
      -> repeat -> batch(drop_remainder) -> parallel scale to [-1, 1] (and MNIST resize)
      -> prefetch(AUTOTUNE)

Images travel through the pipeline as uint8 and become float32 only per batch, so a memory
cache of 16,000 anime faces at 96x96x3 costs 442 MB instead of 1.8 GB, and the scaling is one
vectorised op per batch.

Distribution:

* Without ``input_context`` the dataset is batched by the GLOBAL batch size and its
  ``auto_shard_policy`` is ``DATA``, so ``strategy.experimental_distribute_dataset`` and Keras
  ``fit`` split each global batch over the replicas and shard by element across workers.
* With a ``tf.distribute.InputContext`` (from ``strategy.distribute_datasets_from_function``)
  ``batch_size`` is still the global batch; the pipeline keeps only its own shard of the
  examples (``input_pipeline_id`` of ``num_input_pipelines``, sliced before anything is read or
  decoded) and batches by ``input_context.get_per_replica_batch_size(batch_size)``.

Image folders (:func:`image_folder`) are scanned by ``tfgan.image_files`` (re-exported here:
``scan_image_folder``, ``check_image_folder``, ``class_names``): every file is decoded once at
scan time, with the very decoder the pipeline uses, so a file TensorFlow cannot decode is
dropped and reported once before training starts rather than failing mid-epoch;
``ignore_errors`` stays in the pipeline as a safety net for files that change after the scan.

MNIST (:func:`mnist`) comes from an explicit ``data_dir`` (a ``.npz`` in the
``keras.datasets.mnist`` layout, or a directory holding ``mnist.npz`` or the four IDX files),
else from ``tfds.load("mnist")``. Offline with neither, the error says so at once (instead of
after minutes of download retries) and names ``--data_dir`` / ``data_dir=``.
"""

from __future__ import annotations

import gzip
import logging
import os
import socket
from typing import Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from tfgan import _checks
from tfgan.image_files import (IMAGE_EXTENSIONS, ImageFolderIndex, check_image_folder,
                               class_names, decode_image, scan_image_folder)

__all__ = [
    "IMAGE_EXTENSIONS",
    "ImageFolderIndex",
    "check_image_folder",
    "check_mnist",
    "class_names",
    "image_folder",
    "mnist",
    "scan_image_folder",
    "synthetic",
]

logger = logging.getLogger(__name__)

_AUTOTUNE = tf.data.AUTOTUNE
# Upper bound on a shuffle buffer of decoded images read back from a FILE cache (a memory cache
# shares its tensors with the buffer, so it gets a full buffer; so does everything that is
# shuffled before decoding). 10,000 images of 96x96x3 uint8 are 276 MB.
_MAX_DECODED_SHUFFLE_BUFFER = 10_000

_MNIST_NPZ = "mnist.npz"
_MNIST_IDX = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_TFDS_HOST = ("storage.googleapis.com", 443)  # where tfds downloads MNIST from


# --------------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------------


def _check_channels(channels) -> int:
    if isinstance(channels, bool) or channels not in (1, 3):
        raise ValueError(
            f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}.")
    return int(channels)


def _check_cache(cache):
    if cache is None or cache == "memory":
        return cache
    if isinstance(cache, (str, os.PathLike)) and os.fspath(cache):
        return os.fspath(cache)
    raise ValueError(
        f"cache must be None, 'memory' or a file path prefix, got {cache!r}.")


# --------------------------------------------------------------------------------------------
# The shared tail of every pipeline
# --------------------------------------------------------------------------------------------


def _shard(arrays: Sequence[np.ndarray], batch_size: int, input_context):
    """Keeps this input pipeline's share of the examples and returns its batch size.

    Args:
        arrays: Arrays sharing their first (example) dimension.
        batch_size: The global batch size.
        input_context: A `tf.distribute.InputContext` or None.

    Returns:
        ``(arrays, batch_size)``: the slice ``[input_pipeline_id::num_input_pipelines]`` of each
        array and the per-replica batch size; unchanged without an input context.
    """
    if input_context is None:
        return list(arrays), batch_size
    per_replica = input_context.get_per_replica_batch_size(batch_size)
    start, step = input_context.input_pipeline_id, input_context.num_input_pipelines
    return [a[start::step] for a in arrays], per_replica


def _check_batch_fits(batch_size: int, num_examples: int, what: str, input_context) -> None:
    if batch_size <= num_examples:
        return
    where = what
    if input_context is not None and input_context.num_input_pipelines > 1:
        where = (f"{what} (this input pipeline's shard, 1 of "
                 f"{input_context.num_input_pipelines})")
    raise ValueError(
        f"batch_size={batch_size} is larger than the data set: {where} has only "
        f"{num_examples} examples, so with drop_remainder=True there would be no complete "
        f"batch. Use a smaller batch_size (or drop_remainder=False, or more data).")


def _cache_path(cache: str, tag: str, input_context) -> str:
    """File-cache prefix made specific to the pipeline's configuration and shard.

    A tf.data file cache written for one image size, channel count or shard must never be read
    back by another, so the prefix gets a suffix naming them.
    """
    if input_context is not None:
        tag += f"-shard{input_context.input_pipeline_id}of{input_context.num_input_pipelines}"
    parent = os.path.dirname(os.path.abspath(cache))
    os.makedirs(parent, exist_ok=True)
    return f"{cache}.{tag}"


def _finish_pipeline(
    tensors: Sequence[np.ndarray],
    *,
    batch_size: int,
    batch_fn: Callable,
    decode_fn: Optional[Callable] = None,
    shuffle: bool,
    seed: Optional[int],
    repeat: bool,
    drop_remainder: bool,
    cache,
    cache_tag: str,
    input_context,
    what: str,
) -> tf.data.Dataset:
    """Builds a pipeline from per-example arrays (everything after the source is shared).

    Args:
        tensors: Arrays whose first dimension indexes examples: file paths for image folders
            (decoded by ``decode_fn``), uint8 images for in-memory data; labels, if any, last.
        batch_size: GLOBAL batch size.
        batch_fn: Applied to each batch (uint8 images -> float32 in [-1, 1], labels -> int32).
        decode_fn: Optional per-example map (file path -> uint8 ``[H, W, C]``), run in parallel
            with AUTOTUNE and followed by ``ignore_errors``.
        shuffle, seed, repeat, drop_remainder: As in the public builders.
        cache: None, "memory" or a file path prefix.
        cache_tag: Suffix that makes a file cache specific to this configuration.
        input_context: A `tf.distribute.InputContext` or None.
        what: Describes the data in error messages.

    Returns:
        The finished `tf.data.Dataset`.
    """
    tensors, batch_size = _shard(tensors, batch_size, input_context)
    num_examples = len(tensors[0])
    if num_examples == 0:
        raise ValueError(f"{what} has no examples for this input pipeline.")
    if drop_remainder:
        _check_batch_fits(batch_size, num_examples, what, input_context)
    deterministic = seed is not None or not shuffle

    ds = tf.data.Dataset.from_tensor_slices(tuple(tensors))
    shuffled = False
    if decode_fn is not None and shuffle and cache is None:
        # Shuffling file names before decoding is free and perfect (full buffer); shuffling
        # after a cache has to happen after it (or every epoch would replay one order).
        ds = ds.shuffle(num_examples, seed=seed, reshuffle_each_iteration=True)
        shuffled = True
    if decode_fn is not None:
        ds = ds.map(decode_fn, num_parallel_calls=_AUTOTUNE, deterministic=deterministic)
        ds = ds.ignore_errors(log_warning=True)
    if cache == "memory":
        ds = ds.cache()
    elif cache is not None:
        ds = ds.cache(_cache_path(cache, cache_tag, input_context))
    if shuffle and not shuffled:
        buffer = num_examples
        if decode_fn is not None and cache not in (None, "memory"):
            buffer = min(num_examples, _MAX_DECODED_SHUFFLE_BUFFER)
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    ds = ds.batch(batch_size, drop_remainder=drop_remainder)
    ds = ds.map(batch_fn, num_parallel_calls=_AUTOTUNE, deterministic=deterministic)
    ds = ds.prefetch(_AUTOTUNE)

    options = tf.data.Options()
    options.deterministic = deterministic
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA if input_context is None
        else tf.data.experimental.AutoShardPolicy.OFF)  # already sharded above
    return ds.with_options(options)


def _scale_batch_fn(with_labels: bool, resize_to: Optional[int] = None) -> Callable:
    """Per-batch map: uint8 images -> float32 in [-1, 1] (optionally resized), int32 labels."""

    def scale(images):
        images = tf.cast(images, tf.float32)
        if resize_to is not None:
            images = tf.image.resize(images, (resize_to, resize_to),
                                     method="bilinear", antialias=True)
            images = tf.clip_by_value(images, 0.0, 255.0)
        return images / 127.5 - 1.0

    if with_labels:
        return lambda images, labels: (scale(images), tf.cast(labels, tf.int32))
    return scale


# --------------------------------------------------------------------------------------------
# MNIST
# --------------------------------------------------------------------------------------------


def _read_idx(path: str) -> np.ndarray:
    """Reads an IDX file (optionally gzipped) of unsigned bytes into a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number).")
    ndim = data[3]
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    size = int(np.prod(dims))
    if len(data) - offset != size:
        raise ValueError(f"{path}: header says {dims} ({size} bytes) but holds "
                         f"{len(data) - offset} bytes.")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def _find_idx(directory: str, stem: str) -> Optional[str]:
    # "train-images-idx3-ubyte(.gz)" and the common "train-images.idx3-ubyte" spelling.
    dotted = stem.replace("-idx", ".idx")
    for name in (stem + ".gz", stem, dotted + ".gz", dotted):
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            return candidate
    return None


def _mnist_from_files(data_dir, split: str):
    """Loads (images uint8 [N, 28, 28], labels uint8 [N]) of ``split`` from ``data_dir``."""
    data_dir = os.path.expanduser(os.fspath(data_dir))
    if split not in _MNIST_IDX:
        raise ValueError(f"split must be 'train' or 'test' when reading MNIST from "
                         f"data_dir={data_dir!r}, got {split!r}.")
    if not os.path.exists(data_dir):
        raise FileNotFoundError(
            f"data_dir={data_dir!r} (--data_dir) does not exist. Point it at a mnist.npz in "
            f"the keras.datasets.mnist layout, or at a directory holding it or the four IDX "
            f".gz files.")
    npz = data_dir if os.path.isfile(data_dir) else os.path.join(data_dir, _MNIST_NPZ)
    if os.path.isfile(npz):
        with np.load(npz) as f:
            keys = (f"x_{split}", f"y_{split}")
            missing = [k for k in keys if k not in f.files]
            if missing:
                raise ValueError(
                    f"{npz} lacks {missing}; expected the keras.datasets.mnist layout "
                    f"(x_train, y_train, x_test, y_test).")
            return f[keys[0]], f[keys[1]]
    images_stem, labels_stem = _MNIST_IDX[split]
    images_path = _find_idx(data_dir, images_stem)
    labels_path = _find_idx(data_dir, labels_stem)
    if images_path is None or labels_path is None:
        raise FileNotFoundError(
            f"data_dir={data_dir!r} (--data_dir) holds neither {_MNIST_NPZ} nor the IDX files "
            f"{images_stem}.gz and {labels_stem}.gz for split={split!r}. Point it at a "
            f"mnist.npz (keras.datasets.mnist layout) or at a directory holding it or the "
            f"four IDX .gz files.")
    images, labels = _read_idx(images_path), _read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(f"IDX files disagree: images {images.shape} in {images_path}, "
                         f"labels {labels.shape} in {labels_path}.")
    return images, labels


def _offline_error(detail: str) -> FileNotFoundError:
    return FileNotFoundError(
        "MNIST is not available: no data_dir was given and tensorflow_datasets could not "
        f"download it ({detail}). On a machine without internet, pass --data_dir (the "
        "data_dir= argument of tfgan.data.mnist) pointing at a mnist.npz in the "
        "keras.datasets.mnist layout, or at a directory holding it or the four IDX .gz files "
        "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz).")


def _can_reach(host: str, port: int, timeout: float = 3.0) -> bool:
    if any(os.environ.get(v) for v in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY")):
        return True  # a proxy may reach what DNS here cannot; let tfds try
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _mnist_from_tfds(split: str):
    """Loads MNIST through tfds: the local copy if prepared, else a download if online."""
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:  # pragma: no cover - tfds is a declared dependency
        raise _offline_error(f"tensorflow_datasets is not importable: {e}") from e
    kwargs = dict(split=split, as_supervised=True, shuffle_files=False)
    try:
        ds = tfds.load("mnist", download=False, **kwargs)
    except Exception as not_prepared:  # tfds raises AssertionError when not prepared
        # tfds retries an unreachable host for minutes before giving up; fail fast instead.
        if not _can_reach(*_TFDS_HOST):
            raise _offline_error(f"{_TFDS_HOST[0]} is unreachable") from not_prepared
        try:
            ds = tfds.load("mnist", download=True, **kwargs)
        except Exception as e:
            raise _offline_error(f"{type(e).__name__}: {e}") from e
    images, labels = [], []
    for x, y in tfds.as_numpy(ds.batch(10_000)):
        images.append(x.reshape(-1, 28, 28))
        labels.append(y)
    if not images:
        raise ValueError(f"tfds MNIST split {split!r} is empty.")
    return np.concatenate(images), np.concatenate(labels)


def check_mnist(data_dir=None) -> None:
    """Checks that :func:`mnist` will find the training split, without building a pipeline.

    For command-line tools that must fail before they write anything: with ``data_dir`` the
    files are read (a second or less); without it, tfds must hold MNIST already or be able to
    reach its download server (checked in at most a few seconds).

    Args:
        data_dir: as for :func:`mnist`.

    Raises:
        FileNotFoundError: ``data_dir`` missing or without MNIST files; or no ``data_dir`` and
            tfds can neither find nor download MNIST (the message names ``--data_dir``).
        ValueError: ``data_dir`` holds files that are not MNIST in a known layout.
    """
    if data_dir is not None:
        _mnist_from_files(data_dir, "train")
        return
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:  # pragma: no cover - tfds is a declared dependency
        raise _offline_error(f"tensorflow_datasets is not importable: {e}") from e
    absl_logger = logging.getLogger("absl")  # tfds warns there about half-downloaded data
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)
    try:
        prepared = tfds.builder("mnist").is_prepared()
    except Exception:  # pylint: disable=broad-except  (any tfds failure: not usable offline)
        prepared = False
    finally:
        absl_logger.setLevel(level)
    if not prepared and not _can_reach(*_TFDS_HOST):
        raise _offline_error(f"{_TFDS_HOST[0]} is unreachable")


def mnist(split="train", *, batch_size=64, image_size=28, with_labels=False, data_dir=None,
          shuffle=True, seed=None, repeat=False, drop_remainder=True, cache=None,
          input_context=None) -> tf.data.Dataset:
    """MNIST digits as batches of images in [-1, 1] (and labels).

    The whole split is held in memory as uint8 (47 MB for train); batches are scaled (and, if
    ``image_size != 28``, resized bilinearly with antialiasing) one batch at a time.

    Args:
        split: "train" (60,000 images) or "test" (10,000). Through tfds, any tfds split string
            (e.g. "train[:10%]") works.
        batch_size: GLOBAL batch size (see the module docstring for ``input_context``).
        image_size: Output height and width; 28 (native), 32 (the seed code), 64, or any
            positive int.
        with_labels: Also yield int32 digit labels 0-9.
        data_dir: A ``.npz`` in the ``keras.datasets.mnist`` layout, or a directory holding
            ``mnist.npz`` or the four IDX files (``train-images-idx3-ubyte.gz`` etc., gzipped or
            not). None: ``tfds.load("mnist")``, which needs the data prepared locally or a
            network connection.
        shuffle: Shuffle the whole split, reshuffling every iteration.
        seed: Shuffle seed; also makes the element order deterministic.
        repeat: Repeat forever.
        drop_remainder: Drop the last partial batch so the batch dimension is static.
        cache: None, "memory" or a file path prefix. The split is in memory already, so this
            only matters for uniformity with :func:`image_folder`.
        input_context: A `tf.distribute.InputContext` or None.

    Returns:
        A `tf.data.Dataset` of float32 ``[batch, image_size, image_size, 1]`` images in
        [-1, 1], or of ``(images, labels)`` with int32 ``[batch]`` labels.

    Raises:
        FileNotFoundError: ``data_dir`` missing or without MNIST files; or no ``data_dir`` and
            tfds can neither find nor download MNIST (the message names ``--data_dir``).
        ValueError: Bad arguments, or ``batch_size`` larger than the split.
    """
    batch_size = _checks.positive_int("batch_size", batch_size)
    image_size = _checks.positive_int("image_size", image_size)
    cache = _check_cache(cache)
    if data_dir is not None:
        images, labels = _mnist_from_files(data_dir, split)
        source = f"MNIST split {split!r} from {os.fspath(data_dir)}"
    else:
        images, labels = _mnist_from_tfds(split)
        source = f"MNIST split {split!r} from tfds"
    images = np.ascontiguousarray(images, dtype=np.uint8)[..., np.newaxis]  # [N, 28, 28, 1]
    tensors = [images, labels.astype(np.int32)] if with_labels else [images]
    return _finish_pipeline(
        tensors,
        batch_size=batch_size,
        batch_fn=_scale_batch_fn(with_labels, None if image_size == 28 else image_size),
        shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder,
        cache=cache, cache_tag=f"mnist-{split}-{len(images)}{'-labels' if with_labels else ''}",
        input_context=input_context, what=source)


# --------------------------------------------------------------------------------------------
# Image folders
# --------------------------------------------------------------------------------------------


def _resize_and_center_crop(image: tf.Tensor, size: int) -> tf.Tensor:
    """torchvision ``Resize(size)`` + ``CenterCrop(size)`` on one float32 ``[h, w, c]`` image.

    The shorter side becomes ``size`` (the longer ``int(size * long / short)``), bilinear with
    antialiasing; the result is cropped to ``[size, size, c]`` around the centre.
    """
    shape = tf.shape(image)
    h, w = shape[0], shape[1]
    short, long = tf.minimum(h, w), tf.maximum(h, w)
    new_long = (size * long) // short
    new_h = tf.where(h <= w, size, new_long)
    new_w = tf.where(h <= w, new_long, size)
    image = tf.cond(
        tf.logical_and(tf.equal(new_h, h), tf.equal(new_w, w)),
        lambda: image,
        lambda: tf.image.resize(image, tf.stack([new_h, new_w]), method="bilinear",
                                antialias=True))
    top = tf.cast(tf.round(tf.cast(new_h - size, tf.float32) / 2.0), tf.int32)
    left = tf.cast(tf.round(tf.cast(new_w - size, tf.float32) / 2.0), tf.int32)
    image = image[top:top + size, left:left + size]
    return tf.ensure_shape(image, [size, size, image.shape[-1]])


def _folder_decode_fn(image_size: int, channels: int, with_labels: bool) -> Callable:
    def load(path):
        image = tf.cast(decode_image(path), tf.float32)
        image = _resize_and_center_crop(image, image_size)
        if channels == 1:
            image = tf.image.rgb_to_grayscale(image)
        return tf.cast(tf.clip_by_value(tf.round(image), 0.0, 255.0), tf.uint8)

    if with_labels:
        return lambda path, label: (load(path), label)
    return load


def image_folder(path, *, batch_size=64, image_size=64, channels=3, with_labels=False,
                 shuffle=True, seed=None, repeat=False, drop_remainder=True, cache=None,
                 input_context=None, validate=True) -> tf.data.Dataset:
    """A folder of images (e.g. anime faces) as batches of images in [-1, 1] (and labels).

    Each image is decoded (GIF: first frame), made RGB (grayscale repeated, alpha dropped),
    resized so its shorter side is ``image_size`` (bilinear, antialiased), centre-cropped to
    ``image_size x image_size`` and, for ``channels=1``, converted with
    ``tf.image.rgb_to_grayscale``. See :func:`scan_image_folder` for which files are read and
    how undecodable ones are skipped.

    Args:
        path: The folder, searched recursively; or an :class:`ImageFolderIndex` from
            :func:`scan_image_folder` to reuse a scan (its labels are used if it has them).
        batch_size: GLOBAL batch size (see the module docstring for ``input_context``).
        image_size: Output height and width, a positive int.
        channels: 3 (RGB) or 1 (grayscale).
        with_labels: Also yield int32 labels from the first-level subfolders, ``i`` meaning
            ``class_names(path)[i]``.
        shuffle: Shuffle all files, reshuffling every iteration.
        seed: Shuffle seed; also makes the element order deterministic.
        repeat: Repeat forever.
        drop_remainder: Drop the last partial batch so the batch dimension is static.
        cache: None, "memory" or a file path prefix (a suffix naming size, channels and shard
            is appended). Caches the decoded, resized uint8 images, before shuffling.
        input_context: A `tf.distribute.InputContext` or None.
        validate: Decode every file once at scan time and drop (and report) bad ones.

    Returns:
        A `tf.data.Dataset` of float32 ``[batch, image_size, image_size, channels]`` images in
        [-1, 1], or of ``(images, labels)`` with int32 ``[batch]`` labels.

    Raises:
        FileNotFoundError: ``path`` does not exist or is not a directory.
        ValueError: Bad arguments, no (decodable) images, or ``batch_size`` larger than the
            number of images.
    """
    batch_size = _checks.positive_int("batch_size", batch_size)
    image_size = _checks.positive_int("image_size", image_size)
    channels = _check_channels(channels)
    cache = _check_cache(cache)
    if isinstance(path, ImageFolderIndex) and (not with_labels or path.labels is not None):
        index = path
    else:
        index = scan_image_folder(path, with_labels=with_labels, validate=validate)
    tensors = [np.asarray(index.paths, dtype=object)]
    if with_labels:
        tensors.append(np.asarray(index.labels, dtype=np.int32))
    return _finish_pipeline(
        tensors,
        batch_size=batch_size,
        batch_fn=_scale_batch_fn(with_labels),
        decode_fn=_folder_decode_fn(image_size, channels, with_labels),
        shuffle=shuffle, seed=seed, repeat=repeat, drop_remainder=drop_remainder,
        cache=cache,
        cache_tag=(f"images-{len(index)}-{image_size}px-{channels}c"
                   f"{'-labels' if with_labels else ''}"),
        input_context=input_context, what=f"Image folder {index.root}")


# --------------------------------------------------------------------------------------------
# Synthetic data
# --------------------------------------------------------------------------------------------


def synthetic(*, num_examples=64, batch_size=4, image_size=16, channels=1, num_classes=None,
              with_labels=False, seed=0, repeat=False, drop_remainder=True,
              input_context=None) -> tf.data.Dataset:
    """Small random images (and labels) with the same contract as :func:`mnist`.

    For tests and smoke runs: ``num_examples`` uniform random uint8 images drawn from
    ``numpy.random.default_rng(seed)``, scaled to [-1, 1] like real data.

    Args:
        num_examples: Size of the data set.
        batch_size: GLOBAL batch size.
        image_size: Height and width.
        channels: 1 or 3.
        num_classes: Number of label values (default 10); only used with ``with_labels``.
        with_labels: Also yield int32 labels in ``[0, num_classes)``.
        seed: Seeds both the data and the shuffle (None: random data, nondeterministic order).
        repeat: Repeat forever.
        drop_remainder: Drop the last partial batch so the batch dimension is static.
        input_context: A `tf.distribute.InputContext` or None.

    Returns:
        A `tf.data.Dataset` of float32 ``[batch, image_size, image_size, channels]`` images in
        [-1, 1], or of ``(images, labels)`` with int32 ``[batch]`` labels.

    Raises:
        ValueError: Bad arguments, or ``batch_size > num_examples``.
    """
    num_examples = _checks.positive_int("num_examples", num_examples)
    batch_size = _checks.positive_int("batch_size", batch_size)
    image_size = _checks.positive_int("image_size", image_size)
    channels = _check_channels(channels)
    num_classes = 10 if num_classes is None else _checks.positive_int("num_classes",
                                                                     num_classes)
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (num_examples, image_size, image_size, channels),
                          dtype=np.uint8)
    tensors = [images]
    if with_labels:
        tensors.append(rng.integers(0, num_classes, num_examples, dtype=np.int32))
    return _finish_pipeline(
        tensors,
        batch_size=batch_size,
        batch_fn=_scale_batch_fn(with_labels),
        shuffle=True, seed=seed, repeat=repeat, drop_remainder=drop_remainder,
        cache=None, cache_tag="synthetic", input_context=input_context,
        what=f"synthetic data (num_examples={num_examples})")
