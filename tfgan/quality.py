"""Sample quality against real images: the real side, and its measurement during training.

``real_images`` / ``real_stats`` give the held-out real images a generator of a data set is
compared with (and their feature statistics, computed once); ``EvaluateQuality`` is the
callback that measures FID, KID and the Inception (MNIST) score every n steps and keeps the
best checkpoint (``tfgan-train --eval_every``). ``tfgan.eval_lib.evaluate_model`` measures a
trained generator the same way after training. The metrics themselves are
``tfgan.evaluation``'s.

The real side (``real_images``): the MNIST test split at the generator's image size for
``--dataset=mnist``, held-out random images for ``synthetic`` (tests), and a seeded random
sample of the training folder itself for ``folder`` (it has no test split), read by the
training pipeline at the generator's size.
"""

import json
import math
import os
import time
from typing import Any, Callable, Dict, Optional, Tuple

import tensorflow as tf

from tfgan import _io
from tfgan import callbacks
from tfgan import config as config_lib
from tfgan import data as data_lib
from tfgan import evaluation
from tfgan import names
from tfgan import sampling

__all__ = [
    "EXTRACTORS",
    "EvaluateQuality",
    "MAX_REAL_SAMPLES",
    "real_images",
    "real_stats",
    "resolve_extractor",
    "score_name",
]

# Spelled in tfgan.names; re-exported under the names tfgan.eval_lib had.
EXTRACTORS = names.EXTRACTORS
resolve_extractor = names.resolve_extractor
score_name = names.score_name
# Real images used at most (the MNIST test split has 10,000).
MAX_REAL_SAMPLES = 10_000


def real_images(dataset: str = "mnist", *, data_dir: Optional[str] = None,
                image_size: int = 28, channels: int = 1, batch_size: int = 500,
                seed: int = 0) -> Tuple[Any, str]:
    """The held-out real images a generator of this data set is compared with.

    Args:
        dataset: ``"mnist"`` (the test split), ``"synthetic"`` (random images from another
            seed than training's) or ``"folder"`` (the training folder, in an order shuffled
            with ``seed``, so the first N are a random sample: a folder has no test split).
        data_dir: MNIST ``.npz``/directory (None: tfds), or the image folder.
        image_size: the generator's image size (MNIST is resized like the training data).
        channels: the generator's channels (synthetic and folder data).
        batch_size: images per batch.
        seed: the run's seed (synthetic data use ``seed + 1``; a folder's order).

    Returns:
        ``(dataset of image batches in [-1, 1], description)``.

    Raises:
        FileNotFoundError: MNIST is not available (the message names ``--data_dir``).
        ValueError: an unknown data set, or ``folder`` without ``data_dir``.
    """
    if dataset == "mnist":
        images = data_lib.mnist("test", batch_size=batch_size, image_size=image_size,
                                data_dir=data_dir, shuffle=False, drop_remainder=False)
        return images, f"MNIST test digits ({image_size}x{image_size})"
    if dataset == "synthetic":
        count = config_lib.SYNTHETIC_EXAMPLES
        images = data_lib.synthetic(num_examples=count, batch_size=min(batch_size, count),
                                    image_size=image_size, channels=channels, seed=seed + 1,
                                    drop_remainder=False)
        return images, "held-out synthetic images"
    if dataset == "folder":
        if not data_dir:
            raise ValueError("the real images of a folder data set need its data_dir")
        # Shuffled (file names, before decoding) with a fixed seed: the first num_samples
        # are a random sample of the folder, not its first files in name order.
        images = data_lib.image_folder(data_dir, batch_size=batch_size, image_size=image_size,
                                       channels=channels, shuffle=True, seed=seed,
                                       drop_remainder=False)
        return images, f"training images of {data_dir} (a folder has no test split)"
    raise ValueError(f"dataset must be one of {names.quoted(names.DATASETS)}, "
                     f"got {dataset!r}")


def real_stats(extractor, dataset: str = "mnist", *, data_dir: Optional[str] = None,
               image_size: int = 28, channels: int = 1, num_samples: int = MAX_REAL_SAMPLES,
               batch_size: int = 500, seed: int = 0
               ) -> Tuple[evaluation.ActivationStats, str]:
    """``tfgan.evaluation.ActivationStats`` of :func:`real_images` (at most ``num_samples``).

    Returns:
        ``(stats, description)``.
    """
    images, description = real_images(dataset, data_dir=data_dir, image_size=image_size,
                                      channels=channels, batch_size=batch_size, seed=seed)
    if dataset == "synthetic":
        num_samples = min(num_samples, config_lib.SYNTHETIC_EXAMPLES)
    stats = evaluation.activation_stats(extractor, images, num_samples=num_samples,
                                        batch_size=batch_size)
    return stats, description


class EvaluateQuality(callbacks.StepCallback):
    """Every ``n`` global steps: FID, KID and Inception score; keeps the best model.

    The generator (a ``tfgan.GAN``, in inference mode) draws ``num_samples`` images from a
    fixed latent stream (the same ``z`` at every evaluation, balanced labels for a conditional
    model), which are compared with ``real_stats``, the real images' activations computed once
    with the same extractor. A conditional model scored by the MNIST classifier also gets its
    class accuracy (the fraction of samples classified as the digit requested, see
    ``tfgan.evaluation.class_accuracy_applies``). Each evaluation

    * appends ``step,fid,kid,kid_std,inception_score,inception_score_std,class_accuracy,
      seconds,time`` to ``csv_path`` (rows after the restored step of a resumed run are
      dropped first; a file begun with fewer columns keeps its header);
    * logs the TensorBoard scalars ``eval/fid``, ``eval/kid``, ``eval/<score_name>`` and
      ``eval/class_accuracy``;
    * prints one line through ``log``;
    * when the FID is the lowest so far: saves ``best_manager`` (a ``CheckpointManager``
      with ``max_to_keep=1``), calls ``export_fn(step, checkpoint_path)`` and then writes
      ``best_json`` (``step``, ``fid``, ``kid``, ``inception_score``, ``score_name``,
      ``num_samples``, ``extractor``, ``checkpoint``, ``export``) atomically, last, so it
      only ever names files that exist.

    A resumed run reads the best FID back from ``best_json`` and keeps improving on it, unless
    the number of samples or the extractor changed (FID is not comparable across them): then
    the next evaluation starts a new best. Evaluations are skipped on steps with non-finite
    metrics, and at the end of a ``fit`` stopped early (Ctrl-C, divergence) or without batches.

    Under ``MultiWorkerMirroredStrategy`` every worker must take part in a checkpoint save.
    The chief evaluates; the other workers run this callback with ``follower=True`` (nothing
    measured or written but their share of the best checkpoint, into their own
    ``best_manager``), and all call ``agree(decision)`` at each evaluation step, which returns
    the chief's decision to save a new best.

    Args:
        real_stats: ``tfgan.evaluation.ActivationStats`` of the real images.
        extractor: the feature extractor (a callable, or "mnist" / "inception_v3").
        every_n_steps: cadence in global steps.
        num_samples: generated images per evaluation.
        csv_path: the CSV file (appended to; the header is written once).
        summary_writer: optional ``tf.summary`` writer for the scalars.
        best_manager: ``tf.train.CheckpointManager`` for the best state, or None (no best
            tracking).
        best_json: path of the JSON describing the best evaluation (with ``best_manager``).
        export_fn: optional ``export_fn(step, checkpoint_path) -> export path``, called after
            a new best checkpoint is saved.
        extractor_name: the extractor's name, recorded in ``best_json``.
        score_name: name of the Inception score in logs ("mnist_score" with the MNIST
            classifier).
        batch_size: images per generator / extractor call.
        kid_subsets: KID subsets (fewer than the final evaluation's 100 keeps it cheap).
        kid_subset_size: images per KID subset (clipped to the sample sizes).
        seed: seed of the latent vectors and the KID subsets.
        evaluate_on_train_end: also evaluate the last step of ``fit``.
        log: called with one line per evaluation (default ``print``).
        agree: ``agree(save_new_best) -> bool``, called on every worker of a cluster at each
            evaluation step; returns the chief's decision (a collective: see above).
        follower: a non-chief worker of a cluster: ``real_stats``, ``extractor`` and
            ``csv_path`` are unused; only ``best_manager`` saves, when ``agree`` says so.
    """

    CSV_COLUMNS = ("step", "fid", "kid", "kid_std", "inception_score", "inception_score_std",
                   "class_accuracy", "seconds", "time")

    def __init__(self, real_stats: evaluation.ActivationStats, extractor, every_n_steps: int,
                 num_samples: int = 2000, *, csv_path: str, summary_writer=None,
                 best_manager: Optional[tf.train.CheckpointManager] = None,
                 best_json: Optional[str] = None, export_fn: Optional[Callable] = None,
                 extractor_name: str = "", score_name: str = "inception_score",
                 batch_size: int = 500, kid_subsets: int = 20, kid_subset_size: int = 1000,
                 seed: int = 0, evaluate_on_train_end: bool = True,
                 log: Optional[Callable[[str], None]] = None,
                 agree: Optional[Callable[[bool], bool]] = None, follower: bool = False):
        super().__init__()
        if every_n_steps < 1 or num_samples < 2:
            raise ValueError("every_n_steps must be positive and num_samples at least 2")
        if best_manager is not None and not best_json and not follower:
            raise ValueError("best_json is required with best_manager")
        if follower and agree is None:
            raise ValueError("a follower needs agree")
        self.agree = agree
        self.follower = follower
        self.real_stats = real_stats
        self.extractor = None if follower else evaluation.get_extractor(extractor)
        self.every_n_steps = int(every_n_steps)
        self.num_samples = int(num_samples)
        self.csv_path = csv_path
        self.summary_writer = summary_writer
        self.best_manager = best_manager
        self.best_json = best_json
        self.export_fn = export_fn
        self.extractor_name = extractor_name or getattr(self.extractor, "name", "")
        self.score_name = score_name
        self.batch_size = int(batch_size)
        self.kid_subsets = int(kid_subsets)
        self.kid_subset_size = int(kid_subset_size)
        self.seed = seed
        self.evaluate_on_train_end = evaluate_on_train_end
        self.log = log or (lambda line: print(line, flush=True))
        self.best = None  # the best_json dict
        self.last_evaluated_step = None
        self.history = []  # one dict per evaluation of this fit
        self._columns = self.CSV_COLUMNS  # an existing file's header wins

    # -- state across resumptions -------------------------------------------------------

    def _read_best(self) -> None:
        self.best = None
        if not self.best_json or not os.path.exists(self.best_json):
            return
        try:
            with open(self.best_json) as f:
                best = json.load(f)
        except (OSError, ValueError):
            return
        if (best.get("num_samples") == self.num_samples
                and best.get("extractor") == self.extractor_name):
            self.best = best
        else:
            self.log(f"Best-checkpoint tracking restarts: {self.best_json} was measured with "
                     f"{best.get('num_samples')} samples and the {best.get('extractor')!r} "
                     f"extractor, now {self.num_samples} and {self.extractor_name!r}.")

    def _truncate_csv_after(self, step: int) -> None:
        if not os.path.exists(self.csv_path):
            return
        fieldnames, kept = _io.truncate_csv_after(self.csv_path, step)
        self._columns = tuple(fieldnames or self.CSV_COLUMNS)
        if any(_io.to_float(r.get("step")) == step for r in kept):
            self.last_evaluated_step = step

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.history = []
        self.last_evaluated_step = None
        self._columns = self.CSV_COLUMNS
        if self.follower:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.csv_path)), exist_ok=True)
        self._truncate_csv_after(self._step())
        self._read_best()

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(self, step: int) -> Dict[str, float]:
        """Evaluates the model now, logs the result as the one of ``step``; returns it
        (an empty dict on a follower)."""
        if self.follower:
            if self.agree(False) and self.best_manager is not None:
                self.best_manager.save(checkpoint_number=step)
            self.last_evaluated_step = step
            return {}
        started = time.time()
        model = self.model
        num_classes = getattr(model, "num_classes", None)
        sample_fn = sampling.generator_sample_fn(
            lambda z, labels: model.generate(z=z, labels=labels), model.latent_dim,
            num_classes, seed=self.seed)
        labels = None
        if evaluation.class_accuracy_applies(self.extractor_name, num_classes):
            labels = sampling.balanced_labels(self.num_samples, num_classes)
        metrics = evaluation.evaluate_generator(
            sample_fn, self.real_stats, self.extractor, num_samples=self.num_samples,
            batch_size=self.batch_size, kid_subsets=self.kid_subsets,
            kid_subset_size=self.kid_subset_size, seed=self.seed, labels=labels)
        metrics["seconds"] = time.time() - started
        metrics["step"] = step
        self._write_row(step, metrics)
        improved = self.best_manager is not None and (
            self.best is None or metrics["fid"] < self.best["fid"])
        if self.agree is not None:
            improved = self.agree(improved)
        if improved:
            self._save_best(step, metrics)
        score = metrics.get("inception_score")
        score_text = f" - {self.score_name} {score:.3f}" if score is not None else ""
        if metrics.get("class_accuracy") is not None:
            score_text += f" - class accuracy {metrics['class_accuracy']:.3f}"
        self.log(f"eval step {step}: fid {metrics['fid']:.3f} - kid {metrics['kid']:.4f}"
                 f"{score_text} ({self.num_samples} samples, {metrics['seconds']:.1f} s)"
                 + (" - new best" if improved else ""))
        self.last_evaluated_step = step
        self.history.append(metrics)
        return metrics

    def _write_row(self, step: int, metrics: Dict[str, float]) -> None:
        row = {"step": step, "time": time.time()}
        row.update({k: metrics[k] for k in self.CSV_COLUMNS if k in metrics and k != "step"})
        _io.append_csv_row(self.csv_path, self._columns, row)
        if self.summary_writer is not None:
            with self.summary_writer.as_default():
                tf.summary.scalar("eval/fid", metrics["fid"], step=step)
                tf.summary.scalar("eval/kid", metrics["kid"], step=step)
                if "inception_score" in metrics:
                    tf.summary.scalar(f"eval/{self.score_name}",
                                         metrics["inception_score"], step=step)
                if "class_accuracy" in metrics:
                    tf.summary.scalar("eval/class_accuracy", metrics["class_accuracy"],
                                      step=step)
            self.summary_writer.flush()

    def _save_best(self, step: int, metrics: Dict[str, float]) -> None:
        checkpoint = self.best_manager.save(checkpoint_number=step)
        export = self.export_fn(step, checkpoint) if self.export_fn is not None else None
        best = {
            "step": step,
            "fid": metrics["fid"],
            "kid": metrics["kid"],
            "kid_std": None if math.isnan(metrics["kid_std"]) else metrics["kid_std"],
            "inception_score": metrics.get("inception_score"),
            "inception_score_std": metrics.get("inception_score_std"),
            "class_accuracy": metrics.get("class_accuracy"),
            "score_name": self.score_name,
            "num_samples": self.num_samples,
            "num_real_samples": metrics.get("num_real_samples"),
            "extractor": self.extractor_name,
            "checkpoint": checkpoint,
            "export": export,
        }
        _io.write_json(self.best_json, best)
        self.best = best

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        step = self._step()
        if step % self.every_n_steps == 0 and step != self.last_evaluated_step:
            if not callbacks.all_finite(logs):
                return  # a diverged state is neither measured nor kept
            self.evaluate(step)

    def on_train_end(self, logs=None):
        step = self._step()
        if (self.evaluate_on_train_end and step != self.last_evaluated_step
                and self._batches > 0 and not getattr(self.model, "stop_training", False)):
            self.evaluate(step)
