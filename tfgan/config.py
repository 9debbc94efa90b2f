"""The experiment configuration: one flat dataclass, validated, stored as ``config.json``.

No TensorFlow: the choices and help of every field are ``tfgan.names``', so flags are
defined and checked before TensorFlow loads.

``Config`` has one field per command-line flag of ``tfgan-train`` (except ``--workdir``,
``--overwrite`` and ``--flagfile``), with the same name, so a flag, a field and a key of a work
directory's ``config.json`` are the same thing::

    config = Config(arch="dcgan", loss="wasserstein", gp_weight=10.0, g_every=5)
    config.validate()                       # ConfigError naming the flag: "--arch must be ..."
    Config.from_dict(config.to_dict()) == config
    old.diff(new)                           # ["arch", "loss"]: the fields that differ

Resuming: a work directory remembers the config that created it. Running again with a config
that differs only in ``RESUMABLE_FIELDS`` continues the run; any other difference is refused
(``tfgan.workdir.check_workdir``). The resumable fields change how long the run goes and what
it writes, not the model or its training mathematics:

* ``train_steps``: extend (or shorten) the run;
* ``sample_every``, ``checkpoint_every``, ``log_every``, ``keep_checkpoints``, ``num_samples``:
  how often and how much is written;
* ``export_dir``: where the final SavedModel goes;
* ``strategy``: the same run may continue on another device set (results do not depend on the
  number of replicas, see ``tfgan.GAN``);
* ``cache``: how the input pipeline caches decoded images;
* ``eval_every``, ``eval_samples``, ``eval_extractor``: how often and how precisely sample
  quality is measured during training (the best checkpoint is then judged against these; a
  change of ``eval_samples`` or ``eval_extractor`` restarts the best-so-far, see
  ``tfgan.quality.EvaluateQuality``).

Conventions: ``0`` means "off / the architecture's default" for ``clip_value``,
``drift_weight``, ``g_base_filters``, ``d_base_filters`` and ``eval_every``; ``""`` means "none"
for ``data_dir``, ``export_dir``, ``cache`` and ``augment``; ``norm="auto"`` is layer
normalisation for a gradient-penalty critic (``gp_weight > 0``) and batch normalisation
otherwise.

Paths (``data_dir``, ``export_dir``, a ``cache`` file prefix) are written to ``config.json``
absolute (``Config.absolute_paths``) and compared by the file they name (``Config.diff``), so a
run is resumed, evaluated and exported from any directory, whichever way the path was spelled.
"""

import dataclasses
import os
from typing import Any, Dict, List, Tuple

from tfgan import _checks
from tfgan import _io
from tfgan import names

# The choices (spelled in tfgan.names), under the names this module has always exported.
DATASETS = names.DATASETS
STRATEGIES = names.STRATEGIES
PRECISIONS = names.PRECISIONS
OPTIMIZERS = names.OPTIMIZERS
NORMS = names.NORMS
EVAL_EXTRACTORS = names.EXTRACTORS

# Fields that may change between runs in the same work directory (see the module docstring).
RESUMABLE_FIELDS = (
    "train_steps",
    "sample_every",
    "checkpoint_every",
    "log_every",
    "keep_checkpoints",
    "num_samples",
    "export_dir",
    "strategy",
    "cache",
    "eval_every",
    "eval_samples",
    "eval_extractor",
)

# Fields holding a file or directory path ("" for none; cache may also be "memory").
PATH_FIELDS = ("data_dir", "export_dir", "cache")

# Number of examples of the synthetic data set (enough for many batches at test sizes).
SYNTHETIC_EXAMPLES = 256


class ConfigError(ValueError):
    """An invalid configuration or a work directory that does not match it.

    The message names the offending flag(s), e.g. ``--arch must be one of ...``; command-line
    tools print it as a one-line error instead of a traceback.
    """


@dataclasses.dataclass
class Config:
    """Everything that defines a training run (see the module docstring).

    Attributes are documented by the flags of the same name (``tfgan-train --help``).
    """

    # Data.
    dataset: str = "mnist"
    data_dir: str = ""
    image_size: int = 28
    channels: int = 1
    cache: str = ""
    # Model.
    arch: str = "mlp"
    loss: str = "non_saturating"
    conditional: bool = False
    num_classes: int = 10
    latent_dim: int = 100
    label_embedding_dim: int = 32
    g_base_filters: int = 0
    d_base_filters: int = 0
    norm: str = "auto"
    spectral_norm: bool = False
    dropout: float = 0.0
    minibatch_std: int = 0
    # Training.
    batch_size: int = 64
    train_steps: int = 5000
    d_steps: int = 1
    g_every: int = 1
    optimizer: str = "adam"
    g_lr: float = 2e-4
    d_lr: float = 2e-4
    lr_decay: str = "none"
    beta1: float = 0.5
    beta2: float = 0.999
    gp_weight: float = 0.0
    gp_type: str = "wgan_gp"
    gp_every: int = 1
    clip_value: float = 0.0
    ema_decay: float = 0.0
    drift_weight: float = 0.0
    critic_warmup: bool = False
    reuse_fakes: bool = False
    augment: str = ""
    ls_targets: Tuple[float, float, float] = (0.0, 1.0, 1.0)
    seed: int = 0
    # Execution.
    strategy: str = "auto"
    mixed_precision: str = "float32"
    # Outputs.
    sample_every: int = 500
    num_samples: int = 64
    checkpoint_every: int = 500
    keep_checkpoints: int = 3
    log_every: int = 100
    export_dir: str = ""
    # Sample quality during training.
    eval_every: int = 0
    eval_samples: int = 2000
    eval_extractor: str = "auto"

    def __post_init__(self):
        # JSON round trips and flag lists give lists; keep the field hashable and comparable.
        if isinstance(self.ls_targets, list):
            self.ls_targets = tuple(self.ls_targets)

    # ----------------------------------------------------------------------------------------
    # Derived values

    @property
    def image_shape(self) -> Tuple[int, int, int]:
        """``(image_size, image_size, channels)``."""
        return (self.image_size, self.image_size, self.channels)

    @property
    def critic_norm(self) -> str:
        """The discriminator normalisation ``norm`` resolves to (``"auto"`` resolved)."""
        if self.norm != "auto":
            return self.norm
        return "layer" if self.gp_weight > 0 else "batch"

    @property
    def resolved_eval_extractor(self) -> str:
        """The feature extractor ``eval_extractor`` resolves to (``"auto"``: ``"mnist"`` for
        1-channel images, ``"anime"`` for RGB)."""
        if self.eval_extractor == "auto":
            return "mnist" if self.channels == 1 else "anime"
        return self.eval_extractor

    @property
    def class_count(self):
        """``num_classes`` for a conditional model, else ``None``."""
        return self.num_classes if self.conditional else None

    # ----------------------------------------------------------------------------------------
    # Serialisation and comparison

    def to_dict(self) -> Dict[str, Any]:
        """A JSON-ready dict with one key per field."""
        values = dataclasses.asdict(self)
        values["ls_targets"] = list(self.ls_targets)
        return values

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "Config":
        """The inverse of ``to_dict``; missing keys take their defaults.

        Raises:
            ConfigError: for keys that are not fields (e.g. a config written by another tfgan
                version or a typo).
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(unknown)}")
        return cls(**values)

    def replace(self, **changes) -> "Config":
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def diff(self, other: "Config") -> List[str]:
        """Names of the fields whose values differ between ``self`` and ``other``.

        Paths (``data_dir``, ``export_dir``, a ``cache`` file prefix) are compared by the file
        they name: ``mnist.npz`` and ``/home/me/mnist.npz`` are the same when the current
        directory is ``/home/me``.
        """
        return [f.name for f in dataclasses.fields(self)
                if _normalised(f.name, getattr(self, f.name))
                != _normalised(f.name, getattr(other, f.name))]

    def absolute_paths(self) -> "Config":
        """A copy whose paths are absolute (``~`` expanded), as ``config.json`` stores them.

        ``data_dir``, ``export_dir`` and a ``cache`` file prefix typed relative to the current
        directory then still name the same files when the run is resumed, evaluated or
        exported from another directory. Empty values (and ``cache="memory"``) are kept.
        """
        return self.replace(**{name: _absolute(getattr(self, name))
                               for name in PATH_FIELDS
                               if _is_path(name, getattr(self, name))})

    # ----------------------------------------------------------------------------------------
    # Validation

    def validate(self, check_paths: bool = True) -> "Config":
        """Checks every field; returns ``self`` so calls can be chained.

        Args:
            check_paths: also check that ``data_dir`` exists (and is given when the data set
                needs it) and that ``export_dir`` is not a file. Off when a saved config is
                reloaded to sample or export.

        Raises:
            ConfigError: naming the flag, e.g. ``--batch_size must be a positive integer,
                got -4``.
        """
        for name, choices in names.FLAG_CHOICES.items():
            _checks.one_of(f"--{name}", getattr(self, name), choices, ConfigError)
        for name in ("image_size", "latent_dim", "label_embedding_dim", "batch_size",
                     "train_steps", "d_steps", "g_every", "gp_every", "sample_every", "num_samples",
                     "checkpoint_every", "keep_checkpoints", "log_every", "eval_samples"):
            _checks.positive_int(f"--{name}", getattr(self, name), ConfigError)
        _checks.non_negative_int("--eval_every", self.eval_every, "(0: off)", ConfigError)
        _checks.non_negative_int("--minibatch_std", self.minibatch_std, "(0: off)", ConfigError)
        for name in ("g_base_filters", "d_base_filters"):
            _checks.non_negative_int(f"--{name}", getattr(self, name),
                                     "(0: the architecture's default)", ConfigError)
        _checks.non_negative_int("--seed", self.seed, "", ConfigError)
        for name in ("conditional", "spectral_norm", "critic_warmup", "reuse_fakes"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"--{name} must be true or false, got "
                                  f"{getattr(self, name)!r}")
        if self.channels not in (1, 3) or isinstance(self.channels, bool):
            raise ConfigError(f"--channels must be 1 or 3, got {self.channels!r}")
        if self.conditional:
            if not _checks.is_int(self.num_classes):
                raise ConfigError(f"--num_classes must be an integer, got {self.num_classes!r}")
            if self.num_classes < 2:
                raise ConfigError(f"--num_classes must be at least 2 for a --conditional "
                                  f"model, got {self.num_classes}")
        for name in ("g_lr", "d_lr"):
            if not _checks.is_real(getattr(self, name)) or not getattr(self, name) > 0:
                raise ConfigError(f"--{name} must be a positive number, got "
                                  f"{getattr(self, name)!r}")
        for name in ("beta1", "beta2"):
            if not _checks.is_real(getattr(self, name)) or not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"--{name} must be in [0, 1), got {getattr(self, name)!r}")
        for name in ("gp_weight", "clip_value", "drift_weight"):
            if not _checks.is_real(getattr(self, name)) or not getattr(self, name) >= 0:
                raise ConfigError(f"--{name} must be a number >= 0 (0: off), got "
                                  f"{getattr(self, name)!r}")
        if not _checks.is_real(self.ema_decay) or not 0 <= self.ema_decay < 1:
            raise ConfigError(f"--ema_decay must be in [0, 1) (0: off), got {self.ema_decay!r}")
        if not _checks.is_real(self.dropout) or not 0 <= self.dropout < 1:
            raise ConfigError(f"--dropout must be in [0, 1), got {self.dropout!r}")
        if (not isinstance(self.ls_targets, (tuple, list)) or len(self.ls_targets) != 3
                or not all(_checks.is_real(t) for t in self.ls_targets)):
            raise ConfigError(f"--ls_targets must be three numbers a,b,c (e.g. 0,1,1 or "
                              f"-1,1,0), got {self.ls_targets!r}")
        for name in ("data_dir", "export_dir", "cache", "augment"):
            if not isinstance(getattr(self, name), str):
                raise ConfigError(f"--{name} must be a string, got {getattr(self, name)!r}")
        try:
            names.parse_augment_policy(self.augment)
        except ValueError as error:
            raise ConfigError(
                f"--augment must be '' (off) or a comma-separated list naming each of "
                f"{', '.join(names.AUGMENT_POLICIES)} at most once (e.g. "
                f"--augment={names.DEFAULT_AUGMENT_POLICY}), got {self.augment!r}") from error
        self._validate_combinations()
        if check_paths:
            self._validate_paths()
        return self

    def _validate_combinations(self):
        size = self.image_size
        if self.gp_every > 1 and self.gp_weight == 0:
            raise ConfigError(f"--gp_every={self.gp_every} applies the gradient penalty lazily "
                              "but there is none: pass --gp_weight > 0 (e.g. 10), or "
                              "--gp_every=1 with --gp_weight=0 for no penalty")
        if self.arch == "dcgan" and size % 4:
            raise ConfigError(f"--image_size must be divisible by 4 for --arch=dcgan, got "
                              f"{size}")
        if self.arch == "dcgan_transpose" and size not in names.TRANSPOSE_SIZES:
            sizes = ", ".join(map(str, names.TRANSPOSE_SIZES))
            raise ConfigError(f"--image_size must be one of {sizes} for "
                              f"--arch=dcgan_transpose, got {size}")
        if self.dataset == "mnist":
            if self.channels != 1:
                raise ConfigError(f"--channels must be 1 for --dataset=mnist, got "
                                  f"{self.channels}")
            if self.conditional and self.num_classes != 10:
                raise ConfigError(f"--num_classes must be 10 for a --conditional model on "
                                  f"--dataset=mnist, got {self.num_classes}")
        if self.eval_every and self.channels == 3 and self.eval_extractor == "mnist":
            raise ConfigError(
                "--eval_every on RGB images (--channels=3) needs --eval_extractor=auto, anime "
                "or inception_v3 (the MNIST classifier only judges digits), got "
                "--eval_extractor=mnist; or pass --eval_every=0")
        if self.eval_every and self.eval_samples < 2:
            raise ConfigError(f"--eval_samples must be at least 2 with --eval_every, got "
                              f"{self.eval_samples}")
        if self.dataset == "synthetic" and self.batch_size > SYNTHETIC_EXAMPLES:
            raise ConfigError(f"--batch_size must be at most {SYNTHETIC_EXAMPLES} for "
                              f"--dataset=synthetic, got {self.batch_size}")

    def _validate_paths(self):
        if self.dataset == "folder" and not self.data_dir:
            raise ConfigError("--data_dir is required for --dataset=folder (the folder of "
                              "images)")
        if self.data_dir and self.dataset != "synthetic":
            path = os.path.expanduser(self.data_dir)
            if not os.path.exists(path):
                raise ConfigError(f"--data_dir={self.data_dir} does not exist")
            if self.dataset == "folder" and not os.path.isdir(path):
                raise ConfigError(f"--data_dir={self.data_dir} must be a directory of images "
                                  f"for --dataset=folder")
        if self.export_dir:
            try:
                _io.check_export_dir(self.export_dir)
            except NotADirectoryError as e:
                raise ConfigError(f"--export_dir={self.export_dir}: {e}") from e


# --------------------------------------------------------------------------------------------
# Helpers


def _is_path(name: str, value) -> bool:
    """Whether field ``name`` holds a path (not empty, not ``cache="memory"``)."""
    return (name in PATH_FIELDS and isinstance(value, str) and value != ""
            and not (name == "cache" and value == "memory"))


def _absolute(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


def _normalised(name: str, value):
    """``value`` in the form two configs are compared in (see ``Config.diff``)."""
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    if _is_path(name, value):
        return os.path.realpath(_absolute(value))
    return value
