"""Export a trained generator as a TensorFlow Serving SavedModel, and load it back.

``export_generator(gan, export_dir)`` writes ``<export_dir>/<version>/``, the numbered layout
TensorFlow Serving watches (the version defaults to the training step, ``gan.batches_seen``).
The SavedModel holds the generator (and the discriminator when the ``score`` signature is
exported) behind explicit signatures. It is written with ``keras.export.ExportArchive``, which
tracks the networks' variables, so it needs neither tfgan nor Keras to load and loads in every
SavedModel loader: TensorFlow Serving, ``saved_model_cli run``, the TF1 session loader
(``tf.compat.v1.saved_model.loader.load``) and ``tf.saved_model.load``:

``serving_default``
    Inputs: ``z`` float32 ``[batch, latent_dim]``, plus ``label`` int32 ``[batch]`` (class ids
    in ``[0, num_classes)``) when the GAN is conditional.
    Outputs: ``images`` float32 ``[batch, H, W, C]`` in ``[-1, 1]`` and ``images_uint8`` uint8
    ``[batch, H, W, C]`` = ``clip(round((images + 1) * 127.5), 0, 255)`` (round half to even).
``score`` (unless ``include_discriminator_score=False``)
    Inputs: ``images`` float32 ``[batch, H, W, C]`` in ``[-1, 1]``, plus ``label`` int32
    ``[batch]`` when conditional. Output: ``score`` float32 ``[batch]``, the discriminator's raw
    logits (higher means "more real"). Used for top-k sampling: generate many candidates, keep
    the ones the discriminator rates highest (the anime-DCGAN recipe: 64 best of 512).

Both networks run in inference mode (``training=False``: BatchNorm moving statistics, no
dropout, no spectral-norm power iteration) and outputs are cast to float32 whatever the dtype
policy the networks were built under.

The export is atomic: the SavedModel is written into a temporary sibling directory
``<export_dir>/.tmp-<version>-<random>`` (a name TensorFlow Serving ignores) and renamed to
``<export_dir>/<version>`` only once it is complete, so a failed export leaves nothing behind and
a server never loads a partial version. A small ``assets.extra/tfgan_export.json`` (ignored by
TensorFlow Serving) records the latent size, classes, image shape and versions.

``load_generator(path)`` loads such an export with TensorFlow alone and returns an
:class:`ExportedGenerator`: a callable ``(z, labels=None) -> images`` carrying the metadata,
with ``score`` and top-k ``sample`` helpers.

Example::

    path = tfgan.export.export_generator(gan, "runs/wgangp/export")   # .../export/12000
    generator = tfgan.export.load_generator("runs/wgangp/export")     # highest version
    images = generator(np.random.randn(16, generator.latent_dim))      # [16, H, W, C]
    best = generator.sample(64, candidates=512, seed=0)                # top 64 of 512 by D
"""

import json
import os
import shutil
import uuid
from typing import Any, Dict, Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan import _io
SERVING_SIGNATURE = "serving_default"
SCORE_SIGNATURE = "score"
METADATA_DIR = "assets.extra"
METADATA_FILE = "tfgan_export.json"
# Bumped when the signatures or the metadata change incompatibly.
EXPORT_FORMAT = 1

_TMP_PREFIX = ".tmp-"
_OLD_PREFIX = ".old-"


# --------------------------------------------------------------------------------------------
# Export


def _check_version(version) -> int:
    if isinstance(version, bool) or not isinstance(version, (int, np.integer)) or version < 0:
        raise ValueError(f"version must be a non-negative integer (TensorFlow Serving's "
                         f"numbered version directories), got {version!r}")
    return int(version)


def _network_inputs(first, label):
    return first if label is None else [first, label]


def _to_uint8(images):
    """``[-1, 1]`` floats to uint8 pixels: ``clip(round((x + 1) * 127.5), 0, 255)``."""
    pixels = tf.round((images + 1.0) * 127.5)
    return tf.cast(tf.clip_by_value(pixels, 0.0, 255.0), tf.uint8)


def _check_labels(label, num_classes):
    """Asserts class ids lie in ``[0, num_classes)`` (a clear error from TF Serving too)."""
    message = f"label must be a class id in [0, {num_classes})"
    checks = [tf.debugging.assert_non_negative(label, message=message),
              tf.debugging.assert_less(label, tf.constant(num_classes, tf.int32),
                                       message=message)]
    with tf.control_dependencies(checks):
        return tf.identity(label)


def _signature_specs(latent_dim: int, num_classes: Optional[int], image_shape: Sequence[int]):
    """``(serving_default specs, score specs)``: the inputs of each signature, in order.

    Args:
        latent_dim: size of ``z``.
        num_classes: number of classes of a conditional GAN, or None.
        image_shape: ``(H, W, C)``.

    Returns:
        Two lists of ``tf.TensorSpec``: ``[z [batch, latent_dim] float32 (, label [batch]
        int32)]`` and ``[images [batch, H, W, C] float32 (, label [batch] int32)]``.
    """
    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    images_spec = tf.TensorSpec([None, *image_shape], tf.float32, name="images")
    if num_classes is None:
        return [z_spec], [images_spec]
    label_spec = tf.TensorSpec([None], tf.int32, name="label")
    return [z_spec, label_spec], [images_spec, label_spec]


def _generate_fn(generator, num_classes: Optional[int]):
    """The ``serving_default`` function: ``z [batch, latent_dim] (, label [batch])`` to images.

    Returns a plain function whose argument names (``z``, ``label``) become the signature's
    input keys, hence one function per arity. Its outputs: ``images`` float32
    ``[batch, H, W, C]`` in ``[-1, 1]`` and ``images_uint8`` uint8 ``[batch, H, W, C]``.
    """
    def generate(z, label):
        if label is not None:
            label = _check_labels(label, num_classes)
        images = generator(_network_inputs(z, label), training=False)
        # The library's generators end in a float32 tanh; cast and clip anyway so the
        # documented contract (float32 in [-1, 1]) holds for any generator and dtype policy.
        images = tf.clip_by_value(tf.cast(images, tf.float32), -1.0, 1.0)
        return {"images": images, "images_uint8": _to_uint8(images)}

    def serving_default(z):
        return generate(z, None)

    def serving_default_conditional(z, label):
        return generate(z, label)

    return serving_default if num_classes is None else serving_default_conditional


def _score_fn(discriminator, num_classes: Optional[int]):
    """The ``score`` function: ``images [batch, H, W, C] (, label [batch])`` to ``score``.

    ``score`` is float32 ``[batch]``: the discriminator's logits in inference mode.
    """
    def score_images(images, label):
        if label is not None:
            label = _check_labels(label, num_classes)
        logits = discriminator(_network_inputs(images, label), training=False)
        # [batch, 1] (or [batch]) logits to [batch]; fails loudly for any other shape.
        logits = tf.reshape(tf.cast(logits, tf.float32), [tf.shape(images)[0]])
        return {"score": logits}

    def score(images):
        return score_images(images, None)

    def score_conditional(images, label):
        return score_images(images, label)

    return score if num_classes is None else score_conditional


def _build_archive(generator, discriminator, latent_dim: int, num_classes: Optional[int],
                   image_shape: Sequence[int]):
    """A ``keras.export.ExportArchive`` holding the networks and the signatures.

    The archive tracks the networks' variables itself, so the SavedModel loads in TensorFlow
    Serving's session loader (``tf.compat.v1.saved_model.loader.load``, ``saved_model_cli
    run``) as well as with ``tf.saved_model.load``. Only the generator (and, for the ``score``
    signature, the discriminator) is tracked: optimizer slots, metrics and the GAN's own state
    stay out of the SavedModel.

    Returns:
        ``(archive, {signature name: tf.function})``.
    """
    generate_specs, score_specs = _signature_specs(latent_dim, num_classes, image_shape)
    archive = keras.export.ExportArchive()
    archive.track(generator)
    functions = {SERVING_SIGNATURE: archive.add_endpoint(
        SERVING_SIGNATURE, _generate_fn(generator, num_classes), input_signature=generate_specs)}
    if discriminator is not None:
        archive.track(discriminator)
        functions[SCORE_SIGNATURE] = archive.add_endpoint(
            SCORE_SIGNATURE, _score_fn(discriminator, num_classes), input_signature=score_specs)
    return archive, functions


def _probe_image_shape(generator, latent_dim: int, num_classes: Optional[int]):
    """Runs the generator once on a batch of one to learn (and check) its ``(H, W, C)``."""
    z = tf.zeros([1, latent_dim], tf.float32)
    label = None if num_classes is None else tf.zeros([1], tf.int32)
    images = generator(_network_inputs(z, label), training=False)
    shape = tuple(images.shape)
    if len(shape) != 4 or shape[0] != 1 or None in shape:
        raise ValueError(f"the generator must return images [batch, H, W, C], got shape "
                         f"{shape} for a batch of one")
    return tuple(int(d) for d in shape[1:])


def _metadata(gan, version, image_shape, signatures) -> Dict[str, Any]:
    import tfgan  # Late import: tfgan/__init__ may import this module.

    def _spec(spec):
        return {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}

    described = {}
    for name, function in signatures.items():
        concrete = function.get_concrete_function()
        args, kwargs = concrete.structured_input_signature
        inputs = {spec.name: spec for spec in args}
        inputs.update(kwargs)
        described[name] = {
            "inputs": {key: _spec(spec) for key, spec in inputs.items()},
            "outputs": {key: _spec(spec) for key, spec in concrete.structured_outputs.items()},
        }
    num_classes = gan.num_classes
    return {
        "format": EXPORT_FORMAT,
        "version": version,
        "latent_dim": int(gan.latent_dim),
        "num_classes": None if num_classes is None else int(num_classes),
        "conditional": num_classes is not None,
        "image_shape": list(image_shape),
        "image_range": [-1.0, 1.0],
        "signatures": described,
        "loss": getattr(gan, "loss_name", None),
        "tfgan_version": tfgan.__version__,
        "tensorflow_version": tf.__version__,
    }


def _remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)


# Re-exported: the check needs no TensorFlow, so tfgan.config runs it before TF loads.
check_export_dir = _io.check_export_dir


def export_generator(gan,
                     export_dir: str,
                     version: Optional[int] = None,
                     include_discriminator_score: bool = True,
                     overwrite: bool = False) -> str:
    """Exports the GAN's generator as a numbered, TensorFlow-Serving-ready SavedModel.

    A GAN that keeps a moving average of its generator (``ema_decay``) exports the average,
    the network it samples from (``gan.sampling_generator``).

    Writes ``<export_dir>/<version>/`` atomically (see the module docstring): the SavedModel is
    built in ``<export_dir>/.tmp-<version>-<random>`` and renamed into place once complete;
    on any error the temporary directory is removed and an existing version is left as it was.

    Signatures (``batch`` is dynamic; ``label`` only for a conditional GAN):

    * ``serving_default``: ``z`` float32 ``[batch, latent_dim]``, ``label`` int32 ``[batch]``
      -> ``images`` float32 ``[batch, H, W, C]`` in ``[-1, 1]``, ``images_uint8`` uint8
      ``[batch, H, W, C]``.
    * ``score`` (if ``include_discriminator_score``): ``images`` float32 ``[batch, H, W, C]``,
      ``label`` int32 ``[batch]`` -> ``score`` float32 ``[batch]`` discriminator logits.

    Args:
        gan: a ``tfgan.GAN`` (or any object with ``generator``, ``discriminator``,
            ``latent_dim``, ``num_classes`` and ``batches_seen``). Its networks must be
            callable as the GAN calls them: ``generator(z or [z, label])`` and
            ``discriminator(images or [images, label])``.
        export_dir: the base directory TensorFlow Serving watches (``--model_base_path``);
            created if missing. A local filesystem path (the export relies on ``os.rename``).
        version: the version number, a non-negative int; defaults to
            ``int(gan.batches_seen)``, the training step.
        include_discriminator_score: also export the discriminator and the ``score``
            signature (for top-k sampling). False exports the generator alone.
        overwrite: replace an existing ``<export_dir>/<version>``. The old version is renamed
            away, the new one renamed in, then the old one deleted.

    Returns:
        The path of the exported SavedModel, ``<export_dir>/<version>``.

    Raises:
        FileExistsError: ``<export_dir>/<version>`` exists and ``overwrite`` is False.
        NotADirectoryError: ``export_dir`` (or a parent) is a file.
        ValueError: for an invalid version or a generator that does not return
            ``[batch, H, W, C]`` images.
    """
    if version is None:
        version = int(np.asarray(gan.batches_seen))
    version = _check_version(version)
    latent_dim = int(gan.latent_dim)
    num_classes = gan.num_classes
    discriminator = None
    if include_discriminator_score:
        discriminator = getattr(gan, "discriminator", None)
        if discriminator is None:
            raise ValueError("include_discriminator_score=True needs gan.discriminator")

    export_dir = os.path.abspath(os.fspath(export_dir))
    check_export_dir(export_dir)
    final_path = os.path.join(export_dir, str(version))
    if os.path.exists(final_path) and not overwrite:
        raise FileExistsError(f"version {version} already exists at {final_path}; pass "
                              "overwrite=True to replace it or choose another version")
    os.makedirs(export_dir, exist_ok=True)

    # The weight average when the GAN keeps one (tfgan.GAN's sampling_generator).
    generator = getattr(gan, "sampling_generator", gan.generator)
    image_shape = _probe_image_shape(generator, latent_dim, num_classes)
    archive, signatures = _build_archive(generator, discriminator, latent_dim, num_classes,
                                         image_shape)

    # os.mkdir honours the umask (tempfile.mkdtemp would leave the version directory 0700,
    # unreadable by a server running as another user); the random suffix keeps concurrent
    # exports apart.
    tmp_path = _unique_sibling(export_dir, _TMP_PREFIX, version)
    os.mkdir(tmp_path)
    try:
        archive.write_out(tmp_path, verbose=False)
        metadata = _metadata(gan, version, image_shape, signatures)
        os.makedirs(os.path.join(tmp_path, METADATA_DIR), exist_ok=True)
        with open(os.path.join(tmp_path, METADATA_DIR, METADATA_FILE), "w") as f:
            json.dump(metadata, f, indent=2, sort_keys=True)
            f.write("\n")
        _move_into_place(tmp_path, final_path, export_dir, version, overwrite)
    except BaseException:
        _remove_tree(tmp_path)
        raise
    return final_path


def _unique_sibling(export_dir, prefix, version):
    return os.path.join(export_dir, f"{prefix}{version}-{uuid.uuid4().hex[:12]}")


def _move_into_place(tmp_path, final_path, export_dir, version, overwrite):
    """Renames the finished export to ``final_path``, replacing an old version if allowed."""
    if not os.path.exists(final_path):
        try:
            # rename(2) refuses a non-empty target, so a version created concurrently since
            # the check is never clobbered.
            os.rename(tmp_path, final_path)
            return
        except OSError:
            if not os.path.exists(final_path):
                raise
    if not overwrite:
        raise FileExistsError(f"version {version} appeared at {final_path} during the "
                              "export; pass overwrite=True to replace it")
    old_path = _unique_sibling(export_dir, _OLD_PREFIX, version)
    os.rename(final_path, old_path)
    try:
        os.rename(tmp_path, final_path)
    except BaseException:
        os.rename(old_path, final_path)  # Put the old version back.
        raise
    _remove_tree(old_path)


# --------------------------------------------------------------------------------------------
# Loading (TensorFlow only: no tfgan classes, no Keras)


def _is_saved_model(path) -> bool:
    return (tf.io.gfile.exists(os.path.join(path, "saved_model.pb"))
            or tf.io.gfile.exists(os.path.join(path, "saved_model.pbtxt")))


def resolve_version_path(path: str) -> str:
    """Returns ``path`` if it is a SavedModel, else its highest numbered version inside.

    Args:
        path: a SavedModel directory, or a base export directory holding numbered versions
            (TensorFlow Serving's layout; other entries, e.g. ``.tmp-*``, are ignored).

    Returns:
        The SavedModel directory.

    Raises:
        FileNotFoundError: neither a SavedModel nor a directory with a numbered SavedModel.
    """
    path = os.fspath(path)
    if _is_saved_model(path):
        return path
    versions = []
    if tf.io.gfile.isdir(path):
        for name in tf.io.gfile.listdir(path):
            name = name.rstrip("/")
            if name.isdigit() and _is_saved_model(os.path.join(path, name)):
                versions.append(int(name))
    if not versions:
        raise FileNotFoundError(f"{path} is neither a SavedModel nor an export directory "
                                "with numbered SavedModel versions")
    return os.path.join(path, str(max(versions)))


def _spec_dict(spec) -> Dict[str, Any]:
    return {"dtype": spec.dtype.name, "shape": spec.shape.as_list()}


class ExportedGenerator:
    """A loaded generator export: call it like ``generator(z, labels=None) -> images``.

    Built by :func:`load_generator`; uses TensorFlow only. Inputs may be NumPy arrays or
    tensors; results are NumPy arrays.

    Attributes:
        path: the SavedModel directory that was loaded.
        version: its version number (the directory name) or None if not numbered.
        metadata: the ``tfgan_export.json`` dict (derived from the signatures when the file is
            missing): ``latent_dim``, ``num_classes``, ``image_shape``, ``tfgan_version``, ...
        latent_dim: size of ``z``.
        num_classes: number of classes (None when unconditional).
        image_shape: ``(H, W, C)``.
        has_score: whether the ``score`` signature was exported.
    """

    def __init__(self, path: str):
        self.path = path
        base = os.path.basename(os.path.normpath(path))
        self.version = int(base) if base.isdigit() else None
        self._loaded = tf.saved_model.load(path)  # Keeps the variables alive.
        signatures = self._loaded.signatures
        if SERVING_SIGNATURE not in signatures:
            raise ValueError(f"{path} has no {SERVING_SIGNATURE!r} signature")
        self._generate = signatures[SERVING_SIGNATURE]
        self._score = signatures.get(SCORE_SIGNATURE)
        self.metadata = self._read_metadata()
        self.latent_dim = int(self.metadata["latent_dim"])
        self.num_classes = self.metadata["num_classes"]
        self.image_shape = tuple(self.metadata["image_shape"])

    @property
    def conditional(self) -> bool:
        """Whether the generator takes class labels."""
        return self.num_classes is not None

    @property
    def has_score(self) -> bool:
        return self._score is not None

    def _read_metadata(self) -> Dict[str, Any]:
        metadata_path = os.path.join(self.path, METADATA_DIR, METADATA_FILE)
        if tf.io.gfile.exists(metadata_path):
            with tf.io.gfile.GFile(metadata_path) as f:
                return json.load(f)
        # Any SavedModel following the signature contract works without the file.
        inputs = self._generate.structured_input_signature[1]
        outputs = self._generate.structured_outputs
        return {
            "format": None,
            "version": self.version,
            "latent_dim": int(inputs["z"].shape[-1]),
            "num_classes": None,  # Unknown; only whether labels are needed is.
            "conditional": "label" in inputs,
            "image_shape": outputs["images"].shape.as_list()[1:],
            "image_range": [-1.0, 1.0],
            "signatures": {SERVING_SIGNATURE: {
                "inputs": {k: _spec_dict(v) for k, v in inputs.items()},
                "outputs": {k: _spec_dict(v) for k, v in outputs.items()}}},
        }

    def _needs_labels(self) -> bool:
        return "label" in self._generate.structured_input_signature[1]

    def _labels(self, labels, batch: int):
        """``None`` / an int / ``[batch]`` ints to an int32 ``[batch]`` tensor (or None)."""
        if not self._needs_labels():
            if labels is not None:
                raise ValueError("labels were given to an unconditional generator")
            return None
        if labels is None:
            raise ValueError(f"this generator is conditional (num_classes="
                             f"{self.num_classes}): pass labels")
        labels = np.asarray(labels)
        if labels.ndim == 0:
            labels = np.full([batch], labels)
        if labels.shape != (batch,):
            raise ValueError(f"labels must be an int or have shape [{batch}], got shape "
                             f"{labels.shape}")
        return tf.constant(labels, tf.int32)

    def __call__(self, z, labels=None, uint8: bool = False) -> np.ndarray:
        """Generates images.

        Args:
            z: latent vectors ``[batch, latent_dim]``.
            labels: for a conditional generator, one class id for the whole batch or
                ``[batch]`` ids in ``[0, num_classes)``; must be None otherwise.
            uint8: return the ``images_uint8`` output instead of ``images``.

        Returns:
            float32 ``[batch, H, W, C]`` images in ``[-1, 1]``, or uint8 pixels if ``uint8``.
        """
        z = tf.convert_to_tensor(np.asarray(z, np.float32))
        if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must have shape [batch, {self.latent_dim}], got "
                             f"{tuple(z.shape)}")
        kwargs = {"z": z}
        labels = self._labels(labels, int(z.shape[0]))
        if labels is not None:
            kwargs["label"] = labels
        outputs = self._generate(**kwargs)
        return outputs["images_uint8" if uint8 else "images"].numpy()

    def score(self, images, labels=None) -> np.ndarray:
        """Discriminator logits of images (higher: rated more real).

        Args:
            images: float ``[batch, H, W, C]`` in ``[-1, 1]``.
            labels: as for ``__call__``.

        Returns:
            float32 ``[batch]`` logits.

        Raises:
            ValueError: the export has no ``score`` signature.
        """
        if self._score is None:
            raise ValueError(f"{self.path} was exported without the {SCORE_SIGNATURE!r} "
                             "signature (include_discriminator_score=False)")
        images = tf.convert_to_tensor(np.asarray(images, np.float32))
        kwargs = {"images": images}
        labels = self._labels(labels, int(images.shape[0]))
        if labels is not None:
            kwargs["label"] = labels
        return self._score(**kwargs)["score"].numpy()

    def sample(self, num: int, labels=None, seed: Optional[int] = None,
               candidates: Optional[int] = None, uint8: bool = False) -> np.ndarray:
        """Draws ``z ~ N(0, 1)`` and generates, optionally keeping the top-k by score.

        Args:
            num: number of images returned.
            labels: class id(s) for a conditional generator: an int, or ``[n]`` ids where
                ``n`` is the number of latents drawn (``candidates`` if given, else ``num``).
            seed: seed of the NumPy generator drawing ``z``.
            candidates: if given (``>= num``), generate that many images and return the
                ``num`` the discriminator scores highest, best first.
            uint8: return uint8 pixels instead of float images.

        Returns:
            ``[num, H, W, C]`` float32 images in ``[-1, 1]`` (uint8 if ``uint8``).
        """
        drawn = num if candidates is None else candidates
        if candidates is not None and candidates < num:
            raise ValueError(f"candidates ({candidates}) must be >= num ({num})")
        z = np.random.default_rng(seed).standard_normal((drawn, self.latent_dim))
        images = self(z, labels)
        if candidates is not None:
            order = np.argsort(-self.score(images, labels), kind="stable")[:num]
            images = images[order]
        if uint8:
            images = np.clip(np.round((images + 1.0) * 127.5), 0, 255).astype(np.uint8)
        return images

    def __repr__(self):
        return (f"ExportedGenerator(path={self.path!r}, latent_dim={self.latent_dim}, "
                f"num_classes={self.num_classes}, image_shape={self.image_shape})")


def load_generator(path: str) -> ExportedGenerator:
    """Loads an exported generator with TensorFlow only (no tfgan ``GAN``, no Keras).

    Args:
        path: a SavedModel directory (``<export_dir>/<version>``) or a base export directory,
            in which case the highest numbered version is loaded (as TensorFlow Serving does).

    Returns:
        An :class:`ExportedGenerator`: ``generator(z, labels=None)`` returns float32 images
        ``[batch, H, W, C]``; ``generator.metadata`` holds ``tfgan_export.json``;
        ``generator.score(images, labels=None)`` and ``generator.sample(num, candidates=...)``
        give discriminator scores and top-k samples.

    Raises:
        FileNotFoundError: no SavedModel at or under ``path``.
        ValueError: the SavedModel has no ``serving_default`` signature.
    """
    return ExportedGenerator(resolve_version_path(path))


def is_export_of(gan, path: str, num: int = 4, atol: float = 1e-4) -> bool:
    """Whether the SavedModel at ``path`` holds ``gan``'s generator (the one it samples from).

    Compares the metadata (latent size, classes, image shape) and the images both generate
    from the same ``num`` latent vectors (and labels) in inference mode. Used to tell an
    export that already exists from one of another checkpoint or run.

    Args:
        gan: a ``tfgan.GAN`` (``sampling_generator``, ``latent_dim``, ``num_classes``).
        path: a SavedModel directory or a base export directory (its highest version).
        num: number of latent vectors compared.
        atol: the largest absolute difference of pixels in ``[-1, 1]`` still "the same" (the
            SavedModel's graph optimisations may reorder float32 arithmetic).

    Returns:
        True when the export generates the same images as ``gan``.

    Raises:
        FileNotFoundError: no SavedModel at or under ``path``.
    """
    exported = load_generator(path)
    num_classes = gan.num_classes
    if (exported.latent_dim != int(gan.latent_dim) or exported.num_classes != num_classes):
        return False
    generator = getattr(gan, "sampling_generator", gan.generator)
    z = np.random.default_rng(0).standard_normal((num, exported.latent_dim)).astype(np.float32)
    labels = None if num_classes is None else (np.arange(num) % num_classes).astype(np.int32)
    expected = generator(_network_inputs(tf.constant(z), labels), training=False)
    expected = np.clip(np.asarray(tf.cast(expected, tf.float32)), -1.0, 1.0)
    if tuple(expected.shape[1:]) != tuple(exported.image_shape):
        return False
    return bool(np.max(np.abs(exported(z, labels) - expected)) <= atol)
