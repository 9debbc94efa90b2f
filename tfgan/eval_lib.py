"""Sample quality of trained generators: the library behind ``tfgan-evaluate``.

``evaluate_model`` measures FID, KID and the Inception score ("MNIST score" with the packaged
MNIST classifier) of a trained generator against held-out real images, and the class accuracy
of a conditional MNIST generator, and writes them to a JSON file::

    from tfgan import eval_lib
    result = eval_lib.evaluate_model("runs/dcgan")                # latest checkpoint
    result = eval_lib.evaluate_model("runs/dcgan", step=2000)     # a kept checkpoint
    result = eval_lib.evaluate_model("runs/dcgan/export")         # highest exported version
    result = eval_lib.evaluate_model("/models/x/3000", data_dir="../shared/data/mnist/mnist.npz")
    print(eval_lib.format_result(result))
    # {'fid': ..., 'kid': ..., 'kid_std': ..., 'inception_score': ..., 'step': 3000,
    #  'output': 'runs/dcgan/eval_3000.json', ...}   (+ 'class_accuracy' for a cGAN)

What is evaluated (``load_model``): a work directory of ``tfgan-train`` (its ``config.json``
and the latest checkpoint, or ``step``), a SavedModel written by ``tfgan.export`` or a base
export directory (its highest version, or version ``step``). An export inside a work
directory (``<workdir>/export/<step>``, ``<workdir>/best_export/<step>``) finds the run's
config two levels up, and with it the data set.

The real side (``tfgan.quality.real_images``): the MNIST test split for ``--dataset=mnist``
(the default when nothing is known about the run), held-out random images for ``synthetic``,
a seeded random sample of the training folder for ``folder``. Generated images come from a
fixed latent stream (``seed``), with balanced labels for a conditional generator
(``tfgan.sampling.generator_sample_fn``). For a conditional generator of 10 classes scored by
the MNIST classifier, ``class_accuracy`` is the fraction of samples classified as the digit
they were generated for (chance: 0.1).

The extractor ``"auto"`` is the packaged MNIST classifier for 1-channel images and the
packaged anime-face network (``"anime"``) for RGB ones; ``"inception_v3"`` works when its
ImageNet weights are in ``~/.keras/models``.
"""

import math
import os
import time
from typing import Any, Dict, Optional

from tfgan import _aliases
from tfgan import _io
from tfgan import evaluation
from tfgan import export as export_lib
from tfgan import quality
from tfgan import sampling
from tfgan import workdir as workdir_lib

__all__ = [
    "LoadedModel",
    "ModelNotFoundError",
    "evaluate_model",
    "format_result",
    "load_model",
]

EVAL_JSON = "eval_{version}.json"

# The real side and the extractor names moved to tfgan.quality (DeprecationWarning).
__getattr__ = _aliases.moved(__name__, {name: f"tfgan.quality.{name}" for name in (
    "EXTRACTORS", "MAX_REAL_SAMPLES", "real_images", "real_stats", "resolve_extractor",
    "score_name")})


class ModelNotFoundError(FileNotFoundError):
    """No generator to evaluate at the given path (or no such step there)."""


class LoadedModel:
    """A generator to evaluate, from a checkpoint or a SavedModel (see ``load_model``).

    Attributes:
        sampler: a ``tfgan.sampling.Sampler``.
        step: the training step (checkpoint step or export version), or None if unknown.
        path: the checkpoint prefix or the SavedModel directory.
        kind: ``"checkpoint"`` or ``"saved_model"``.
        config: the run's ``Config`` when known (work directory, or an export inside one).
        default_output: where the JSON goes unless told otherwise.
    """

    def __init__(self, sampler, step, path, kind, config, default_output):
        self.sampler = sampler
        self.step = step
        self.path = path
        self.kind = kind
        self.config = config
        self.default_output = default_output


def _is_workdir(path: str) -> bool:
    return os.path.isfile(os.path.join(path, workdir_lib.CONFIG_FILE))


def load_model(model_dir: str, step: Optional[int] = None) -> LoadedModel:
    """Loads a generator from a work directory, a SavedModel or a base export directory.

    Args:
        model_dir: a work directory (holding ``config.json``), a SavedModel directory, or a
            directory of numbered SavedModel versions.
        step: the checkpoint step (work directory) or version (export directory); default the
            latest / highest.

    Returns:
        A :class:`LoadedModel`.

    Raises:
        ModelNotFoundError: ``model_dir`` does not exist, is none of the above, or has no such
            step (or a step was given for a single SavedModel); the message says which.
    """
    model_dir = os.path.abspath(os.path.expanduser(os.fspath(model_dir)))
    if not os.path.isdir(model_dir):
        raise ModelNotFoundError(f"{model_dir} does not exist or is not a directory")
    if _is_workdir(model_dir):
        if not workdir_lib.run_checkpoint_steps(model_dir):
            raise ModelNotFoundError(
                f"{model_dir} is a work directory without checkpoints (nothing trained yet)")
        try:
            gan, gan_step, config = workdir_lib.restore_gan(model_dir, step)
        except FileNotFoundError as e:
            raise ModelNotFoundError(str(e)) from e
        return LoadedModel(sampling.Sampler.from_gan(gan), gan_step,
                           os.path.join(model_dir, workdir_lib.CHECKPOINT_DIR,
                                        f"{workdir_lib.CHECKPOINT_PREFIX}-{gan_step}"),
                           "checkpoint", config,
                           os.path.join(model_dir, EVAL_JSON.format(version=gan_step)))
    if export_lib._is_saved_model(model_dir):  # pylint: disable=protected-access
        if step is not None:
            raise ModelNotFoundError(f"{model_dir} is a single SavedModel; a step applies to a "
                                     "work directory or a directory of numbered versions")
        path = model_dir
    elif step is not None:
        path = os.path.join(model_dir, str(step))
        if not export_lib._is_saved_model(path):  # pylint: disable=protected-access
            versions = sorted(int(n) for n in os.listdir(model_dir) if n.isdigit())
            raise ModelNotFoundError(f"no SavedModel version {step} in {model_dir}; versions: "
                                     f"{', '.join(map(str, versions)) or 'none'}")
    else:
        try:
            path = export_lib.resolve_version_path(model_dir)
        except FileNotFoundError as e:
            raise ModelNotFoundError(
                f"{model_dir} is neither a work directory of tfgan-train (config.json, "
                "checkpoints/), a SavedModel, nor a directory of numbered SavedModel "
                "versions") from e
    sampler = sampling.Sampler.from_export(path)
    name = os.path.basename(os.path.normpath(path))
    version = int(name) if name.isdigit() else None
    # <workdir>/export/<step> or <workdir>/best_export/<step>: the run's config.
    workdir = os.path.dirname(os.path.dirname(path))
    config = workdir_lib.load_config(workdir) if _is_workdir(workdir) else None
    output = os.path.join(os.path.dirname(path), EVAL_JSON.format(version=name))
    return LoadedModel(sampler, version, path, "saved_model", config, output)


def evaluate_model(model_dir: str, *, step: Optional[int] = None, num_samples: int = 10_000,
                   data_dir: Optional[str] = None, dataset: Optional[str] = None,
                   extractor: str = "auto", output: Optional[str] = None,
                   batch_size: int = 500, seed: int = 0, kid_subsets: int = 100,
                   kid_subset_size: int = 1000, real=None, write: bool = True
                   ) -> Dict[str, Any]:
    """FID, KID, Inception score (and class accuracy) of a trained generator.

    Args:
        model_dir: a work directory, a SavedModel or a base export directory (see
            :func:`load_model`).
        step: checkpoint step or export version (default: the latest).
        num_samples: generated images (10,000 is the usual choice for reported numbers).
        data_dir: the real data (MNIST ``.npz`` or directory, or image folder); default the
            run's ``data_dir`` when its config is known, else tfds.
        dataset: ``"mnist"``, ``"synthetic"`` or ``"folder"``; default the run's, else MNIST.
        extractor: ``"auto"``, ``"mnist"``, ``"anime"`` or ``"inception_v3"`` (see the
            module docstring).
        output: the JSON file (None: ``<workdir>/eval_<step>.json``, or
            ``eval_<version>.json`` next to the SavedModel).
        batch_size: images per generator / extractor call.
        seed: seed of the latent vectors and the KID subsets.
        kid_subsets: KID subsets.
        kid_subset_size: images per KID subset.
        real: optional precomputed ``(ActivationStats, description)`` of the real side (same
            extractor), e.g. to evaluate several models against one computation.
        write: write the JSON file.

    Returns:
        The JSON's dict: ``fid``, ``kid``, ``kid_std``, ``inception_score``,
        ``inception_score_std``, ``score_name``, ``num_samples``, ``num_real_samples``,
        ``step``, ``model``, ``model_kind``, ``extractor``, ``real``, ``seed``, ``seconds``
        and ``output`` (None when not written); and ``class_accuracy`` for a conditional
        generator when ``tfgan.evaluation.class_accuracy_applies`` (the MNIST classifier and
        10 classes).

    Raises:
        ModelNotFoundError: see :func:`load_model`.
        FileNotFoundError: the real data are unavailable.
        ValueError: bad arguments.
        tfgan.evaluation.WeightsUnavailableError: InceptionV3 weights missing offline.
    """
    started = time.time()
    loaded = load_model(model_dir, step)
    probe, _ = loaded.sampler.sample(1, labels=[0] if loaded.sampler.conditional else None)
    image_size, channels = int(probe.shape[1]), int(probe.shape[3])
    extractor_name = quality.resolve_extractor(extractor, channels)
    config = loaded.config
    if dataset is None:
        dataset = config.dataset if config is not None else "mnist"
    if data_dir is None and config is not None and config.data_dir:
        data_dir = config.data_dir
    extractor_fn = evaluation.get_extractor(extractor_name)
    if real is None:
        real = quality.real_stats(extractor_fn, dataset, data_dir=data_dir, image_size=image_size,
                          channels=channels, batch_size=batch_size,
                          seed=config.seed if config is not None else 0)
    real_side, real_description = real
    sampler = loaded.sampler
    num_classes = None
    if sampler.conditional:
        num_classes = sampler.num_classes
        if not num_classes:
            raise ValueError(f"{loaded.path} is conditional but its number of classes is "
                             "unknown (no tfgan metadata)")
    sample_fn = sampling.generator_sample_fn(
        lambda z, labels: sampler.generate(z, labels, batch_size=batch_size),
        sampler.latent_dim, num_classes, seed=seed)
    labels = None
    if evaluation.class_accuracy_applies(extractor_name, num_classes):
        labels = sampling.balanced_labels(num_samples, num_classes)
    metrics = evaluation.evaluate_generator(
        sample_fn, real_side, extractor_fn, num_samples=num_samples, batch_size=batch_size,
        kid_subsets=kid_subsets, kid_subset_size=kid_subset_size, seed=seed, labels=labels)
    result = dict(metrics)
    if result.get("kid_std") is not None and math.isnan(result["kid_std"]):
        result["kid_std"] = None  # unavailable: too few samples for distinct KID subsets
    result.update(
        score_name=quality.score_name(extractor_name),
        step=loaded.step,
        model=loaded.path,
        model_kind=loaded.kind,
        extractor=extractor_name,
        real=real_description,
        seed=seed,
        seconds=round(time.time() - started, 1),
        output=None,
    )
    if write:
        path = os.path.abspath(output or loaded.default_output)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        result["output"] = path
        _io.write_json(path, result)
    return result


def format_result(result: Dict[str, Any]) -> str:
    """One line: step, FID, KID, score, class accuracy, sample counts and the JSON's path."""
    step = "?" if result.get("step") is None else result["step"]
    kid_std = result.get("kid_std")
    kid_std = "n/a" if kid_std is None or math.isnan(kid_std) else f"{kid_std:.4f}"
    parts = [f"step {step}: FID {result['fid']:.3f}", f"KID {result['kid']:.4f} ± {kid_std}"]
    if result.get("inception_score") is not None:
        label = "MNIST score" if result.get("score_name") == "mnist_score" else "IS"
        parts.append(f"{label} {result['inception_score']:.3f} ± "
                     f"{result['inception_score_std']:.3f}")
    if result.get("class_accuracy") is not None:
        parts.append(f"class accuracy {result['class_accuracy']:.1%}")
    line = (" - ".join(parts) + f" ({result['num_samples']} samples vs "
            f"{result['num_real_samples']} {result.get('real', 'real images')}, "
            f"{result.get('extractor')} features, {result.get('seconds', 0):.0f} s) "
            f"[{result.get('model')}]")
    if result.get("output"):
        line += f" -> {result['output']}"
    return line
