"""The vocabulary of tfgan: every name with one meaning, its choices and its help, in one place.

Losses, architectures, normalisations, data sets, optimizers, distribution strategies,
mixed-precision policies, augmentations, feature extractors and the score's name are spelled
here once; ``tfgan.config`` validates against these tuples, ``tfgan.flags`` and the
``tfgan-*`` commands build their ``--help`` from ``FLAG_HELP`` and ``FLAG_CHOICES``, and the
modules that implement a choice (``tfgan.losses``, ``tfgan.networks``, ...) re-export its tuple.

This module imports neither TensorFlow nor anything that does, so ``tfgan-train --help``
answers without loading TensorFlow.
"""

from typing import Dict, Sequence, Tuple, Union

# --------------------------------------------------------------------------------------------
# Choices

DATASETS = ("mnist", "folder", "synthetic")
ARCHITECTURES = ("mlp", "dcgan", "dcgan_transpose")
# Image sizes the transposed-convolution DCGAN supports (4x4 grown by stride-2 layers).
TRANSPOSE_SIZES = (32, 64, 96)
NORMALIZATIONS = ("batch", "layer", "none")
NORMS = ("auto",) + NORMALIZATIONS  # --norm: "auto" picks by --gp_weight
LOSSES = ("minimax", "non_saturating", "least_squares", "wasserstein", "hinge")
# Gradient penalties: WGAN-GP's one-centred penalty at real-fake interpolates, or R1's
# zero-centred one at real images.
GP_TYPES = ("wgan_gp", "r1")
OPTIMIZERS = ("adam", "rmsprop")
LR_DECAYS = ("none", "linear")
STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker", "tpu")
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
AUGMENT_POLICIES = ("color", "translation", "cutout")
DEFAULT_AUGMENT_POLICY = "color,translation,cutout"
# Feature networks of FID / KID / the score: "auto" is the packaged MNIST classifier for
# 1-channel images and the packaged anime-face network for RGB ones; "inception_v3" needs its
# ImageNet weights (and minutes on a CPU).
FEATURE_EXTRACTORS = ("mnist", "anime", "inception_v3")
EXTRACTORS = ("auto",) + FEATURE_EXTRACTORS


def resolve_extractor(name: str, channels: int) -> str:
    """``"auto"`` -> ``"mnist"`` for 1 channel, ``"anime"`` for 3; others unchanged.

    Raises:
        ValueError: ``name`` is not one of ``EXTRACTORS``.
    """
    if name not in EXTRACTORS:
        raise ValueError(f"extractor must be one of {quoted(EXTRACTORS)}, got {name!r}")
    if name == "auto":
        return "mnist" if channels == 1 else "anime"
    return name


def score_name(extractor: str) -> str:
    """The Inception score's name with this extractor: ``"mnist_score"`` with the MNIST
    classifier (its logits are digits, not ImageNet classes), else ``"inception_score"``."""
    return "mnist_score" if extractor == "mnist" else "inception_score"


def parse_augment_policy(policy: Union[str, Sequence[str], None]) -> Tuple[str, ...]:
    """The augmentations of a DiffAugment policy, in order.

    Args:
        policy: a comma-separated string such as ``"color,translation,cutout"`` (spaces
            allowed), a sequence of names, or ``""`` / ``None`` for no augmentation.

    Returns:
        A tuple of names from ``AUGMENT_POLICIES`` (empty for no augmentation).

    Raises:
        ValueError: an unknown or repeated name; the message lists the accepted ones.
    """
    if policy is None:
        return ()
    if isinstance(policy, str):
        names = [name.strip() for name in policy.split(",")]
        if names == [""]:
            return ()
    else:
        names = [str(name).strip() for name in policy]
    accepted = ", ".join(AUGMENT_POLICIES)
    for name in names:
        if name not in AUGMENT_POLICIES:
            raise ValueError(f"augmentation policy must be a comma-separated list of {accepted} "
                             f"(or empty for none), got {name!r} in {policy!r}")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"augmentation policy names each of {accepted} at most once, got "
                         f"{', '.join(repeated)} repeated in {policy!r}")
    return tuple(names)


def quoted(values) -> str:
    """``'a', 'b', 'c'``: choices as error messages list them."""
    return ", ".join(repr(v) for v in values)


# --------------------------------------------------------------------------------------------
# Flags of tfgan-train: one per tfgan.config.Config field, same name

# Fields whose flag accepts only these values (the help lists them).
FLAG_CHOICES: Dict[str, Tuple[str, ...]] = {
    "dataset": DATASETS,
    "arch": ARCHITECTURES,
    "loss": LOSSES,
    "gp_type": GP_TYPES,
    "norm": NORMS,
    "optimizer": OPTIMIZERS,
    "lr_decay": LR_DECAYS,
    "strategy": STRATEGIES,
    "mixed_precision": PRECISIONS,
    "eval_extractor": EXTRACTORS,
}

FLAG_HELP: Dict[str, str] = {
    "workdir": "Work directory: config.json, checkpoints/, samples/, tensorboard/, "
               "metrics.csv, loss_curve.png, export/.",
    "overwrite": "Delete the work directory's previous run and start afresh (instead of "
                 "resuming it).",
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
    "spectral_norm": "Spectral normalisation of the discriminator's layers (the mlp's input layer "
                     "excepted, as in the reference cGAN).",
    "dropout": "Dropout rate after each discriminator hidden layer.",
    "minibatch_std": "Group size of a minibatch standard deviation feature in the "
                     "discriminator (Karras et al. 2018: the spread of a group of samples as "
                     "one more channel, against mode collapse); 0: off.",
    "batch_size": "Global batch size (split over the replicas).",
    "train_steps": "Total number of training batches (a resumed run trains the rest).",
    "d_steps": "Discriminator updates per batch.",
    "g_every": "Update the generator on every n-th batch (WGAN's n_critic with a fresh "
               "batch per critic step; the anime DCGAN's 5).",
    "optimizer": "Optimizer of both networks: 'adam' (--beta1, --beta2) or 'rmsprop' "
                 "(rho 0.99, the WGAN paper's choice).",
    "g_lr": "Generator learning rate.",
    "d_lr": "Discriminator learning rate.",
    "lr_decay": "Learning-rate schedule of both networks: 'none' (constant) or 'linear' (from "
                "--g_lr/--d_lr down to 0 at --train_steps, as in the WGAN-GP reference code).",
    "beta1": "Adam beta_1.",
    "beta2": "Adam beta_2.",
    "gp_weight": "Gradient penalty weight (0: off); see --gp_type.",
    "gp_type": "The gradient penalty: 'wgan_gp' ((||grad D|| - 1)^2 at per-sample uniform "
               "interpolates of real and fake images, Gulrajani et al.) or 'r1' (||grad D||^2 "
               "at real images, Mescheder et al.; --gp_weight is the paper's gamma / 2).",
    "gp_every": "Apply the gradient penalty on every n-th batch only, with weight n * "
                "--gp_weight (lazy regularisation, StyleGAN2); the other batches skip its "
                "second backward pass. 1: every batch.",
    "clip_value": "WGAN weight clipping bound (0: off).",
    "ema_decay": "Keep an exponential moving average of the generator's weights with this "
                 "decay (e.g. 0.999) and sample, evaluate and export from it (0: off).",
    "drift_weight": "Weight epsilon of the drift term epsilon * D(x)^2 on real images added to "
                    "the critic's loss (Karras et al.: 1e-3; 0: off).",
    "critic_warmup": "The original WGAN schedule: 100 critic batches per generator update for "
                     "the first 25 generator updates and every 500th, --g_every otherwise.",
    "reuse_fakes": "The generator update reuses the fake batch of the discriminator update just "
                   "made (as PyTorch's DCGAN example): one generator forward pass per batch "
                   "instead of two.",
    "augment": "DiffAugment policy applied to real and fake images seen by the "
               "discriminator, e.g. 'color,translation,cutout' (any of color, translation, "
               "cutout; '': off).",
    "ls_targets": "Least-squares GAN targets a,b,c: 0,1,1 or -1,1,0 (Pearson chi-squared).",
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
