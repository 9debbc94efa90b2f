"""Flags of ``tfgan-train`` (``bin/train.py``); the only library module that reads absl flags.

``define_flags()`` defines one flag per ``tfgan.config.Config`` field (same name, same default)
plus ``--workdir`` and ``--overwrite``; ``config_from_flags(FLAGS)`` turns the parsed values into
a validated ``Config``. Flagfiles (``--flagfile=configs/wgangp.cfg``) are absl's: flags are
read left to right, so a flag given after ``--flagfile`` overrides the file.
"""

import dataclasses

from absl import flags

from tfgan import config as config_lib
from tfgan import losses as losses_lib
from tfgan import networks

_DEFAULTS = config_lib.Config()

# Flags whose value a Config field takes as is (everything except the list-valued ones).
_HELP = {
    "dataset": "Training data: 'mnist' (--data_dir: mnist.npz or a folder with it; else "
               "tfds), 'folder' (--data_dir: a folder of images, searched recursively) or "
               "'synthetic' (random images, for smoke tests).",
    "data_dir": "MNIST .npz file or directory (--dataset=mnist), image folder "
                "(--dataset=folder).",
    "image_size": "Height and width of the images (MNIST is resized from 28).",
    "channels": "Image channels: 1 (grayscale) or 3 (RGB).",
    "cache": "Input pipeline cache for --dataset=folder: '' (none), 'memory', or a file "
             "prefix.",
    "arch": "Network architecture.",
    "loss": "Loss family.",
    "conditional": "Class-conditional GAN (label embedding in G and D).",
    "num_classes": "Number of classes of a --conditional model.",
    "latent_dim": "Size of the latent vector z.",
    "label_embedding_dim": "Size of the label embedding of a --conditional model.",
    "g_base_filters": "Width of the generator's narrowest hidden layer (0: the "
                      "architecture's default).",
    "d_base_filters": "Width of the discriminator's narrowest hidden layer (0: the "
                      "architecture's default).",
    "norm": "Discriminator normalisation; 'auto' is 'layer' when --gp_weight > 0 (BatchNorm "
            "breaks the per-sample gradient penalty) and 'batch' otherwise.",
    "spectral_norm": "Spectral normalisation of every discriminator layer.",
    "dropout": "Dropout rate after each discriminator hidden layer.",
    "batch_size": "Global batch size (split over the replicas).",
    "train_steps": "Total number of training batches (a resumed run trains the rest).",
    "d_steps": "Discriminator updates per batch.",
    "g_every": "Update the generator on every n-th batch (WGAN's n_critic with a fresh "
               "batch per critic step; the anime DCGAN's 5).",
    "optimizer": "Optimizer of both networks: 'adam' (--beta1, --beta2) or 'rmsprop' "
                 "(rho 0.99, the WGAN paper's choice).",
    "g_lr": "Generator learning rate.",
    "d_lr": "Discriminator learning rate.",
    "beta1": "Adam beta_1.",
    "beta2": "Adam beta_2.",
    "gp_weight": "WGAN-GP gradient penalty weight (0: off).",
    "clip_value": "WGAN weight clipping bound (0: off).",
    "ema_decay": "Keep an exponential moving average of the generator's weights with this "
                 "decay (e.g. 0.999) and sample, evaluate and export from it (0: off).",
    "drift_weight": "Weight epsilon of the drift term epsilon * D(x)^2 on real images added to "
                    "the critic's loss (Karras et al.: 1e-3; 0: off).",
    "critic_warmup": "The original WGAN schedule: 100 critic batches per generator update for "
                     "the first 25 generator updates and every 500th, --g_every otherwise.",
    "augment": "DiffAugment policy applied to real and fake images seen by the "
               "discriminator, e.g. 'color,translation,cutout' (any of color, translation, "
               "cutout; '': off).",
    "seed": "Random seed (weights, latent draws, data order, sample grid).",
    "strategy": "tf.distribute strategy: 'auto' picks a TPU, mirrored GPUs, one GPU or the "
                "CPU.",
    "mixed_precision": "Keras dtype policy.",
    "sample_every": "Write a sample grid every n steps.",
    "num_samples": "Images per sample grid (conditional: one row per class, about "
                   "num_samples / num_classes columns).",
    "checkpoint_every": "Save a checkpoint every n steps (a killed run loses at most this "
                        "many).",
    "keep_checkpoints": "Number of most recent checkpoints kept.",
    "log_every": "Write a metrics.csv row / TensorBoard scalars every n steps.",
    "export_dir": "Base directory of the SavedModel export (default: <workdir>/export).",
    "eval_every": "Measure FID, KID and Inception (MNIST) score every n steps and keep the "
                  "best checkpoint in <workdir>/best/ and its export in best_export/ (0: off).",
    "eval_samples": "Generated images per --eval_every evaluation (FID grows as this "
                    "shrinks: keep it fixed within a run).",
    "eval_extractor": "Features for --eval_every: 'auto' is the packaged MNIST classifier "
                      "for 1-channel images and the packaged anime-face network ('anime') "
                      "for RGB ones; 'inception_v3' needs its ImageNet weights in "
                      "~/.keras/models.",
}

_ENUMS = {
    "dataset": config_lib.DATASETS,
    "arch": networks.ARCHITECTURES,
    "loss": losses_lib.LOSS_NAMES,
    "norm": config_lib.NORMS,
    "optimizer": config_lib.OPTIMIZERS,
    "strategy": config_lib.STRATEGIES,
    "mixed_precision": config_lib.PRECISIONS,
    "eval_extractor": config_lib.EVAL_EXTRACTORS,
}


def define_flags(flag_values: flags.FlagValues = flags.FLAGS) -> None:
    """Defines the training flags (idempotent: a second call does nothing).

    Args:
        flag_values: the ``FlagValues`` to define them in (absl's global ``FLAGS`` by default).
    """
    if "workdir" in flag_values:
        return
    flags.DEFINE_string("workdir", None, "Work directory: config.json, checkpoints/, samples/, "
                        "tensorboard/, metrics.csv, loss_curve.png, export/.",
                        flag_values=flag_values)
    flags.DEFINE_boolean("overwrite", False, "Delete the work directory's previous run and "
                         "start afresh (instead of resuming it).", flag_values=flag_values)
    for field in dataclasses.fields(config_lib.Config):
        name, default = field.name, getattr(_DEFAULTS, field.name)
        help_text = _HELP.get(name, name)
        if name in _ENUMS:
            # A plain string flag listing the choices: Config.validate() gives the error so
            # the message is the same from the command line and from Python.
            help_text += f" One of: {', '.join(_ENUMS[name])}."
            flags.DEFINE_string(name, default, help_text, flag_values=flag_values)
        elif name == "ls_targets":
            flags.DEFINE_list(name, [_format_float(v) for v in default],
                              "Least-squares GAN targets a,b,c: 0,1,1 or -1,1,0 (Pearson "
                              "chi-squared).", flag_values=flag_values)
        elif isinstance(default, bool):
            flags.DEFINE_boolean(name, default, help_text, flag_values=flag_values)
        elif isinstance(default, int):
            flags.DEFINE_integer(name, default, help_text, flag_values=flag_values)
        elif isinstance(default, float):
            flags.DEFINE_float(name, default, help_text, flag_values=flag_values)
        else:
            flags.DEFINE_string(name, default, help_text, flag_values=flag_values)


def _format_float(value: float) -> str:
    return f"{value:g}"


def config_from_flags(flag_values: flags.FlagValues = flags.FLAGS,
                      check_paths: bool = True) -> config_lib.Config:
    """Builds and validates the ``Config`` from parsed flags.

    Args:
        flag_values: parsed flags defined by ``define_flags``.
        check_paths: also check that ``--data_dir`` exists (see ``Config.validate``).

    Raises:
        ConfigError: an invalid value; the message names the flag.
    """
    values = {}
    for field in dataclasses.fields(config_lib.Config):
        value = flag_values[field.name].value
        if field.name == "ls_targets":
            try:
                value = tuple(float(v) for v in value)
            except ValueError as e:
                raise config_lib.ConfigError(
                    f"--ls_targets must be three numbers a,b,c, got {','.join(value)}") from e
        if value is None and isinstance(getattr(_DEFAULTS, field.name), str):
            value = ""
        values[field.name] = value
    return config_lib.Config(**values).validate(check_paths=check_paths)
