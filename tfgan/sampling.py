"""Drawing images from a trained generator: latent streams, labels, top-k by the critic.

``Sampler`` wraps a ``tfgan.GAN`` or an exported SavedModel behind one interface, used by
``tfgan-generate``, ``tfgan-evaluate`` and ``tfgan.eval_lib``::

    sampler = Sampler.from_gan(gan)                      # or Sampler.from_export("export/")
    images, labels = sampler.sample(64, top_k_of=256)    # the 64 the discriminator rates best

``generator_sample_fn`` turns any ``generate(z, labels)`` into the ``sample_fn(n)`` that
``tfgan.evaluation.evaluate_generator`` draws from (one seeded latent stream, labels cycling
through the classes: ``balanced_labels``).
"""

import math
from typing import Callable, Optional

import numpy as np
import tensorflow as tf

from tfgan import export as export_lib

__all__ = ["Sampler", "balanced_labels", "generator_sample_fn"]


def generator_sample_fn(generate: Callable, latent_dim: int, num_classes: Optional[int] = None,
                        seed: int = 0) -> Callable[[int], np.ndarray]:
    """A ``sample_fn(n) -> images`` for ``tfgan.evaluation.evaluate_generator``.

    Successive calls continue one stream of latent vectors from
    ``numpy.random.default_rng(seed)``; for a conditional generator the labels cycle through
    ``0 .. num_classes - 1`` across calls, so every class gets the same share of the samples
    (within one image).

    Args:
        generate: ``generate(z, labels) -> images`` (``labels`` None when unconditional), e.g.
            ``lambda z, labels: gan.generate(z=z, labels=labels)`` or a
            ``Sampler``'s ``generate``.
        latent_dim: size of ``z``.
        num_classes: number of classes of a conditional generator, else None.
        seed: seed of the latent vectors.

    Returns:
        The sampling function (stateful: create a new one per evaluation).
    """
    rng = np.random.default_rng(seed)
    drawn = [0]

    def sample(n: int) -> np.ndarray:
        z = rng.standard_normal((n, int(latent_dim))).astype(np.float32)
        labels = None
        if num_classes:
            labels = balanced_labels(n, num_classes, start=drawn[0])
        drawn[0] += n
        return np.asarray(generate(z, labels), np.float32)

    return sample


def balanced_labels(num: int, num_classes: int, start: int = 0) -> np.ndarray:
    """The labels ``generator_sample_fn`` requests: ``start, start + 1, ...`` modulo classes.

    ``balanced_labels(n, k)`` are the labels of the first ``n`` images of a fresh
    ``generator_sample_fn(..., num_classes=k)``, whatever the batch sizes it was called with
    (e.g. for ``tfgan.evaluation.evaluate_generator(..., labels=...)``).

    Returns:
        int32 ``[num]``.
    """
    return ((int(start) + np.arange(int(num))) % int(num_classes)).astype(np.int32)



class Sampler:
    """Generates (and scores) images from a ``GAN`` or an exported SavedModel alike.

    Build it with ``Sampler.from_gan(gan)`` or ``Sampler.from_export(path)`` (a SavedModel
    or a base export directory; TensorFlow only, see ``tfgan.export.load_generator``).

    Attributes:
        latent_dim: size of ``z``.
        num_classes: number of classes, or None (unconditional, or unknown for an export
            without metadata while ``conditional`` is True).
        conditional: whether labels are required.
        can_score: whether a discriminator score is available (for top-k).
    """

    def __init__(self, generate_fn, score_fn, latent_dim, num_classes, conditional):
        self._generate_fn = generate_fn
        self._score_fn = score_fn
        self.latent_dim = int(latent_dim)
        self.num_classes = num_classes
        self.conditional = bool(conditional)

    @property
    def can_score(self) -> bool:
        return self._score_fn is not None

    @classmethod
    def from_gan(cls, gan) -> "Sampler":
        """A sampler of a ``tfgan.GAN`` (``gan.generate`` and its discriminator)."""
        def generate(z, labels):
            return np.asarray(gan.generate(z=z, labels=labels))

        def score(images, labels):
            images = tf.convert_to_tensor(images, tf.float32)
            inputs = images if labels is None else [images, tf.constant(labels, tf.int32)]
            logits = gan.discriminator(inputs, training=False)
            return np.asarray(tf.reshape(tf.cast(logits, tf.float32), [-1]))

        return cls(generate, score, gan.latent_dim, gan.num_classes, gan.conditional)

    @classmethod
    def from_export(cls, path: str) -> "Sampler":
        """A sampler of a SavedModel (or base export directory) of ``tfgan.export``."""
        exported = export_lib.load_generator(path)
        score = exported.score if exported.has_score else None
        return cls(lambda z, labels: exported(z, labels), score, exported.latent_dim,
                   exported.num_classes, exported.conditional)

    def generate(self, z, labels=None, batch_size: int = 64) -> np.ndarray:
        """Images for latent vectors ``z`` (and labels), in chunks of ``batch_size``."""
        chunks = []
        for start in range(0, len(z), batch_size):
            chunk_labels = None if labels is None else labels[start:start + batch_size]
            chunks.append(self._generate_fn(z[start:start + batch_size], chunk_labels))
        return np.concatenate(chunks)

    def score(self, images, labels=None, batch_size: int = 64) -> np.ndarray:
        """Discriminator logits of ``images`` (higher: rated more real)."""
        if self._score_fn is None:
            raise ValueError("no discriminator score available (the export was made without "
                             "the 'score' signature); sample from the work directory instead")
        chunks = []
        for start in range(0, len(images), batch_size):
            chunk_labels = None if labels is None else labels[start:start + batch_size]
            chunks.append(np.reshape(self._score_fn(images[start:start + batch_size],
                                                    chunk_labels), [-1]))
        return np.concatenate(chunks)

    def default_labels(self, num: int) -> np.ndarray:
        """``num`` labels in class blocks (class 0 first): one grid row per class when
        ``num`` is a multiple of ``num_classes``."""
        if not self.num_classes:
            raise ValueError("this generator is conditional but its number of classes is "
                             "unknown: pass --labels")
        per_class = int(math.ceil(num / self.num_classes))
        return (np.arange(num) // per_class).astype(np.int32)

    def sample(self, num: int, labels=None, top_k_of: Optional[int] = None, seed: int = 0,
               batch_size: int = 64):
        """Draws ``num`` images, optionally the best by discriminator score.

        Args:
            num: number of images returned.
            labels: for a conditional generator, ``[num]`` class ids, one id for all, or None
                for ``default_labels(num)``; must be None for an unconditional one.
            top_k_of: if given, draw this many candidates (at least ``num``) and keep the
                ``num`` with the highest score (for a conditional generator, the best per
                requested label, drawing candidates for each label in proportion).
            seed: seed of the latent draws.
            batch_size: generation chunk size.

        Returns:
            ``(images [num, H, W, C] float32 in [-1, 1], labels [num] int32 or None)``;
            top-k images come best first (within each label).
        """
        if self.conditional:
            if labels is None:
                labels = self.default_labels(num)
            labels = np.asarray(labels, dtype=np.int32)
            if labels.ndim == 0:
                labels = np.full([num], int(labels), np.int32)
            if labels.shape != (num,):
                raise ValueError(f"labels must be one id or {num} ids, got {labels.shape[0]}")
            if self.num_classes and (labels.min() < 0 or labels.max() >= self.num_classes):
                raise ValueError(f"labels must lie in [0, {self.num_classes})")
        elif labels is not None:
            raise ValueError("labels were given but the generator is unconditional")
        rng = np.random.default_rng(seed)
        if top_k_of is None:
            z = rng.standard_normal((num, self.latent_dim)).astype(np.float32)
            return self.generate(z, labels, batch_size), labels
        if top_k_of < num:
            raise ValueError(f"candidates ({top_k_of}) must be at least the number of images "
                             f"kept ({num})")
        if labels is None:
            z = rng.standard_normal((top_k_of, self.latent_dim)).astype(np.float32)
            images = self.generate(z, None, batch_size)
            best = np.argsort(-self.score(images, None, batch_size), kind="stable")[:num]
            return images[best], None
        out = np.zeros((num,), dtype=object)
        for label in np.unique(labels):
            slots = np.flatnonzero(labels == label)
            count = max(len(slots), int(round(top_k_of * len(slots) / num)))
            z = rng.standard_normal((count, self.latent_dim)).astype(np.float32)
            cand_labels = np.full([count], label, np.int32)
            images = self.generate(z, cand_labels, batch_size)
            best = np.argsort(-self.score(images, cand_labels, batch_size),
                              kind="stable")[:len(slots)]
            for slot, index in zip(slots, best):
                out[slot] = images[index]
        return np.stack(list(out)), labels
