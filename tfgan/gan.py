"""``GAN``: one ``keras.Model`` that trains every system of the classic GAN family.

GAN, DCGAN, conditional GAN, LSGAN, WGAN and WGAN-GP differ only in their networks, their loss
family and a few training knobs (critic steps, gradient penalty, weight clipping), so they are
configurations of this single model::

    gan = tfgan.GAN(generator, discriminator, latent_dim=100, loss="wasserstein",
                    gp_weight=10.0, g_every=5)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9),
                g_optimizer=keras.optimizers.Adam(1e-4, 0.0, 0.9))
    gan.fit(dataset, epochs=10)        # dataset yields images or (images, labels)
    images = gan.generate(16)

The model keeps no flags and writes no files. It is safe under ``tf.distribute`` strategies:
per-replica losses are averaged over the global batch, random draws are made for the global
batch and sliced per replica (so results do not depend on the number of replicas), and both
optimizers are built on their variables in ``compile()`` (inside the strategy scope). Under the
``mixed_float16`` policy both optimizers are wrapped for dynamic loss scaling.
"""

import functools
from typing import Optional, Sequence

import keras
import numpy as np
import tensorflow as tf

from tfgan import _checks
from tfgan import augment as augment_lib
from tfgan import batches
from tfgan import distribute
from tfgan import ema
from tfgan import losses as losses_lib
from tfgan import names
from tfgan import optimizers
# Re-exported: the critic/generator schedule lives in tfgan.schedule.
from tfgan.schedule import (WARMUP_CRITIC_BATCHES, WARMUP_EVERY,  # pylint: disable=unused-import
                            WARMUP_GENERATOR_UPDATES, generator_due, penalty_due)

# Loss families whose discriminator ends in a sigmoid probability; for them the d_real/d_fake
# metrics report the mean probability, for the others the mean raw critic output.
_PROBABILISTIC_LOSSES = ("minimax", "non_saturating")

_positive_int = _checks.positive_int


@keras.saving.register_keras_serializable(package="tfgan")
class GAN(keras.Model):
    """A generator and a discriminator trained adversarially with ``fit``.

    Batches are ``images`` (``[batch, H, W, C]`` float in [-1, 1]) or ``(images, labels)``
    (labels int ``[batch]``) for a conditional model.

    The networks are called as:

    * generator: ``z`` ``[batch, latent_dim]`` (or ``[z, labels]`` when conditional) to
      images ``[batch, H, W, C]``;
    * discriminator: ``images`` (or ``[images, labels]``) to logits ``[batch, 1]`` or
      ``[batch]`` (no sigmoid: the losses work on logits).

    Training schedule: every batch performs ``d_steps`` discriminator updates (each with fresh
    latent vectors, on the same real batch), then a generator update on every ``g_every``-th
    batch (batches ``g_every - 1``, ``2 * g_every - 1``, ...). ``d_steps=5`` is the Keras
    example's WGAN-GP schedule; ``g_every=5`` is the WGAN paper's n_critic with a fresh real
    batch for each critic step, and the anime-DCGAN seed's "G every 5th batch".
    ``critic_warmup=True`` adds the WGAN reference code's bursts of 100 critic batches per
    generator update, for the first 25 generator updates and every 500th (see
    :func:`generator_due`). ``gp_every=k`` applies the gradient penalty on every ``k``-th batch
    only, weighted ``k * gp_weight`` (lazy regularisation, see :func:`penalty_due`). The
    generator update draws its own latent vectors, or with ``reuse_fakes=True`` takes the fake
    batch of the discriminator update just made (one generator forward pass per batch).

    Augmentation (``augment``, DiffAugment, see ``tfgan.augment``): the discriminator sees
    augmented real and augmented fake images (independent draws for each), and the
    generator's loss is taken on augmented fakes, with gradients flowing through the
    augmentation. The gradient penalty interpolates between the *augmented* real and fake
    images (R1: is taken at the augmented real images), the inputs the critic is trained on
    (as in the DiffAugment reference code, which regularises the critic on the images it
    sees), and the drift term and ``d_real`` /
    ``d_fake`` use the critic's outputs on the augmented images.

    Metrics: ``d_loss``, ``g_loss`` (the mean over the batches where the generator was
    updated), ``gp`` when ``gp_weight > 0`` (the mean over the batches that applied it),
    ``drift`` (the mean of ``D(x)^2`` on real images, unweighted) when ``drift_weight > 0``,
    and ``d_real`` / ``d_fake``: the discriminator's mean probability of "real" for the
    cross-entropy losses, its mean raw output otherwise.
    The logs also carry ``loss = d_loss + g_loss`` so that Keras callbacks watching ``loss``
    (``TerminateOnNaN``, ...) notice either network diverging.

    Attributes:
        generator: the generator network.
        discriminator: the discriminator (critic) network.
        ema_generator: with ``ema_decay``, a copy of the generator whose weights are the
            exponential moving average of the generator's; ``None`` otherwise.
        batches_seen: int64 variable, the number of training batches processed; checkpointed
            with the model so the ``g_every`` schedule (and ``critic_warmup``'s) resumes where
            it stopped.
    """

    def __init__(self,
                 generator: keras.Model,
                 discriminator: keras.Model,
                 latent_dim: int,
                 loss: str = "non_saturating",
                 num_classes: Optional[int] = None,
                 d_steps: int = 1,
                 g_every: int = 1,
                 gp_weight: float = 0.0,
                 gp_type: str = "wgan_gp",
                 gp_every: int = 1,
                 clip_value: Optional[float] = None,
                 ls_targets: Sequence[float] = (0.0, 1.0, 1.0),
                 seed: Optional[int] = None,
                 ema_decay: Optional[float] = None,
                 drift_weight: float = 0.0,
                 critic_warmup: bool = False,
                 augment: Optional[str] = None,
                 reuse_fakes: bool = False,
                 **kwargs):
        """Creates the model.

        Args:
            generator: a Keras model or layer, see the class docstring.
            discriminator: a Keras model or layer, see the class docstring.
            latent_dim: size of the latent vector z.
            loss: the loss family, one of ``tfgan.losses.LOSS_NAMES``.
            num_classes: number of classes for a conditional GAN; ``None`` for unconditional.
            d_steps: discriminator updates per batch.
            g_every: the generator is updated on every ``g_every``-th batch.
            gp_weight: weight of the gradient penalty (0 disables it).
            gp_type: ``"wgan_gp"``, ``(||grad D|| - 1)^2`` at per-sample uniform interpolates
                of real and fake images (Gulrajani et al.), or ``"r1"``, ``||grad D||^2`` at
                real images (Mescheder et al.; ``gp_weight`` is their ``gamma / 2``).
            gp_every: apply the penalty on every ``gp_every``-th batch only, with weight
                ``gp_every * gp_weight`` (lazy regularisation; 1: every batch). Batches
                without it skip the penalty's double backward pass.
            clip_value: WGAN weight clipping bound for the critic's weights (``None`` disables).
            ls_targets: ``(a, b, c)`` targets of the least-squares loss: ``(0, 1, 1)`` or
                ``(-1, 1, 0)``.
            seed: seed of the latent/interpolation random stream (``None``: random).
            ema_decay: keep ``ema_generator``, an exponential moving average of the
                generator's weights with this decay (e.g. 0.999), updated after every
                generator update, and sample from it (``generate``, export, evaluation).
                ``None`` or 0 disables it.
            drift_weight: weight epsilon of the drift term ``epsilon * D(x)^2`` on real images
                added to the discriminator's per-example loss (Karras et al.; 1e-3 in the
                paper); 0 disables it.
            critic_warmup: train the critic for 100 batches per generator update during the
                first 25 generator updates and every 500th, ``g_every`` otherwise (the
                original WGAN schedule, see :func:`generator_due`).
            augment: DiffAugment policy, e.g. ``"color,translation,cutout"`` (see
                ``tfgan.augment``); ``None`` or ``""`` disables it.
            reuse_fakes: the generator update reuses the fake batch of the discriminator
                update just made (scored by the updated discriminator), as PyTorch's DCGAN
                example does, instead of generating a new one: one generator forward pass per
                batch instead of two. With ``d_steps > 1`` the last update's batch is reused.
            **kwargs: passed to ``keras.Model`` (e.g. ``name``).

        Raises:
            ValueError: for an unknown loss or augmentation, or an invalid step count, weight,
                class count or EMA decay.
        """
        super().__init__(**kwargs)
        for name, network in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(network, keras.layers.Layer):
                raise ValueError(f"{name} must be a keras.Model or keras.layers.Layer, "
                                 f"got {type(network).__name__}")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = _positive_int("latent_dim", latent_dim)
        self.loss_name = loss
        self._loss_pair = losses_lib.get(loss)
        if num_classes is not None and (_positive_int("num_classes", num_classes) < 2):
            raise ValueError(f"num_classes must be None (unconditional) or at least 2, "
                             f"got {num_classes}")
        self.num_classes = None if num_classes is None else int(num_classes)
        self.d_steps = _positive_int("d_steps", d_steps)
        self.g_every = _positive_int("g_every", g_every)
        if not gp_weight >= 0:
            raise ValueError(f"gp_weight must be >= 0, got {gp_weight}")
        self.gp_weight = float(gp_weight)
        self.gp_type = _checks.one_of("gp_type", gp_type, names.GP_TYPES)
        self.gp_every = _positive_int("gp_every", gp_every)
        if self.gp_every > 1 and self.gp_weight == 0:
            raise ValueError(f"gp_every={gp_every} needs a gradient penalty: pass gp_weight > 0 "
                             "or leave gp_every at 1")
        if clip_value is not None and not clip_value > 0:
            raise ValueError(f"clip_value must be positive or None, got {clip_value}")
        self.clip_value = None if clip_value is None else float(clip_value)
        if len(ls_targets) != 3:
            raise ValueError(f"ls_targets must be (a, b, c), got {ls_targets!r}")
        self.ls_targets = tuple(float(t) for t in ls_targets)
        self.seed = seed
        if ema_decay is not None and not 0 <= ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1) (0 or None disables the generator "
                             f"average), got {ema_decay}")
        self.ema_decay = float(ema_decay or 0.0)
        if not _checks.is_real(drift_weight) or drift_weight < 0:
            raise ValueError(f"drift_weight must be a number >= 0 (0 disables the drift term), "
                             f"got {drift_weight!r}")
        self.drift_weight = float(drift_weight)
        self.critic_warmup = _checks.boolean("critic_warmup", critic_warmup)
        self._augment_policy = augment_lib.parse_policy(augment)
        self.augment = ",".join(self._augment_policy)
        self.reuse_fakes = _checks.boolean("reuse_fakes", reuse_fakes)

        self.seed_generator = keras.random.SeedGenerator(seed, name="train_seed_generator")
        self.batches_seen = self.add_weight(
            name="batches_seen", shape=(), dtype="int64", initializer="zeros",
            trainable=False, aggregation="only_first_replica")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.gp_tracker = keras.metrics.Mean(name="gp") if self.gp_weight > 0 else None
        self.drift_tracker = (keras.metrics.Mean(name="drift") if self.drift_weight > 0
                              else None)
        self.d_optimizer = None
        self.g_optimizer = None
        self._build_networks()
        self.ema_generator = self._clone_generator() if self.ema_decay > 0 else None
        # Everything has its variables now; marking the model built stops Keras from tracing
        # call() on the dataset's x alone (without the labels) to build it.
        self.built = True

    def _build_networks(self):
        """Creates the variables of networks that build lazily (e.g. subclassed models).

        Runs the generator on one zero latent vector and the discriminator on its output, in
        inference mode, so that both exist before ``compile()`` builds the optimizers (inside
        the strategy scope) and no variable is created inside a traced train step.
        """
        if self.generator.built and self.discriminator.built:
            return
        z, labels = self._probe_inputs()
        images = self._generate(z, labels, training=False)
        self._discriminate(tf.cast(images, tf.float32), labels, training=False)

    def _probe_inputs(self):
        """One zero latent vector (and class 0) to build a network on: ``(z, labels)``."""
        labels = None if self.num_classes is None else tf.zeros([1], tf.int32)
        return tf.zeros([1, self.latent_dim]), labels

    def _clone_generator(self):
        """A frozen copy of the generator (same architecture and weights) for the EMA."""
        return ema.frozen_copy(self.generator, self._probe_inputs)

    @property
    def sampling_generator(self) -> keras.layers.Layer:
        """The network samples come from: ``ema_generator`` when kept, else ``generator``."""
        return self.generator if self.ema_generator is None else self.ema_generator

    # ----------------------------------------------------------------------------------------
    # Keras plumbing

    @property
    def conditional(self) -> bool:
        """Whether the networks take class labels."""
        return self.num_classes is not None

    @property
    def metrics(self):
        trackers = [self.d_loss_tracker, self.g_loss_tracker]
        if self.gp_tracker is not None:
            trackers.append(self.gp_tracker)
        if self.drift_tracker is not None:
            trackers.append(self.drift_tracker)
        return trackers + [self.d_real_tracker, self.d_fake_tracker]

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """Configures both optimizers.

        Call it inside the strategy scope when training distributed: both optimizers are
        built on their networks' variables here, before the first distributed step.

        Args:
            d_optimizer: the discriminator's optimizer (default: Adam 2e-4, betas 0.5/0.999).
            g_optimizer: the generator's optimizer (same default).
            **kwargs: passed to ``keras.Model.compile`` (e.g. ``run_eagerly``,
                ``jit_compile``, ``steps_per_execution``). ``loss``/``optimizer`` are not
                accepted: the GAN's loss family is set in the constructor.
        """
        for unsupported in ("loss", "optimizer"):
            if kwargs.get(unsupported) is not None:
                raise ValueError(
                    f"GAN.compile() takes d_optimizer and g_optimizer, not {unsupported}=; "
                    f"the loss family is the constructor's loss= argument")
        # No Keras-level optimizer: a stray default RMSprop would be built on every variable.
        super().compile(optimizer=None, **kwargs)
        self.d_optimizer = optimizers.prepare(d_optimizer)
        self.g_optimizer = optimizers.prepare(g_optimizer)
        if self._scheduled and self.steps_per_execution > 1:
            raise ValueError("g_every > 1, critic_warmup and gp_every > 1 need "
                             "steps_per_execution=1 (the schedule is applied per batch); got "
                             f"steps_per_execution={self.steps_per_execution}")
        # Optimizers built lazily inside a distributed step fail under MirroredStrategy.
        for optimizer, network in ((self.d_optimizer, self.discriminator),
                                   (self.g_optimizer, self.generator)):
            if network.built and not optimizer.built:
                optimizer.build(network.trainable_variables)

    def get_compile_config(self):
        if self.d_optimizer is None:
            return {}
        return {"d_optimizer": keras.saving.serialize_keras_object(self.d_optimizer),
                "g_optimizer": keras.saving.serialize_keras_object(self.g_optimizer)}

    def compile_from_config(self, config):
        self.compile(**{key: keras.saving.deserialize_keras_object(value)
                        for key, value in config.items()})

    def _own_state(self):
        # Keras saves a layer's own weights but not its SeedGenerator states; the latent
        # stream's position belongs to the training state (a restored run must draw the same
        # noise as an uninterrupted one), so it is saved with them.
        return (self._trainable_variables + self._non_trainable_variables
                + [self.seed_generator.state])

    def save_own_variables(self, store):
        for i, variable in enumerate(self._own_state()):
            store[f"{i}"] = variable

    def load_own_variables(self, store):
        state = self._own_state()
        if len(store.keys()) != len(state):
            raise ValueError(f"expected {len(state)} GAN state variables (step counter, random "
                             f"stream) in the saved file, found {len(store.keys())}")
        for i, variable in enumerate(state):
            variable.assign(store[f"{i}"])

    def get_config(self):
        config = {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "latent_dim": self.latent_dim,
            "loss": self.loss_name,
            "num_classes": self.num_classes,
            "d_steps": self.d_steps,
            "g_every": self.g_every,
            "gp_weight": self.gp_weight,
            "gp_type": self.gp_type,
            "gp_every": self.gp_every,
            "clip_value": self.clip_value,
            "ls_targets": list(self.ls_targets),
            "seed": self.seed,
            "ema_decay": self.ema_decay or None,
            "drift_weight": self.drift_weight,
            "critic_warmup": self.critic_warmup,
            "augment": self.augment or None,
            "reuse_fakes": self.reuse_fakes,
        }
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(
                config[key], custom_objects=custom_objects)
        return cls(**config)

    def call(self, inputs, training=False):
        """Discriminator logits for a dataset batch (Keras builds the model through this).

        Args:
            inputs: ``images`` ``[batch, H, W, C]`` or ``(images, labels)``.
            training: forwarded to the discriminator.

        Returns:
            float32 logits ``[batch, 1]`` (or whatever shape the discriminator returns).
        """
        images, labels = self._unpack_batch(inputs)
        return self._discriminate(images, labels, training=training)

    # ----------------------------------------------------------------------------------------
    # Input handling

    def _unpack_batch(self, data):
        """Splits a dataset element into ``(images, labels)`` and checks it against the model."""
        return batches.unpack_batch(data, batches.output_image_shape(self.generator),
                                    self.num_classes)

    # ----------------------------------------------------------------------------------------
    # Networks and randomness

    def _generate(self, z, labels, training):
        inputs = z if labels is None else [z, labels]
        return self.generator(inputs, training=training)

    def _fake_like(self, images, labels, training):
        """Generated images for a real batch; their shape is checked against the real one."""
        fake_images = self._generate(self._latent(tf.shape(images)[0]), labels, training)
        if fake_images.shape.rank is not None and fake_images.shape[1:] != images.shape[1:]:
            raise ValueError(f"the generator returns images of shape {tuple(fake_images.shape)} "
                             f"but the data has images of shape {tuple(images.shape)}; they "
                             "must agree after the batch dimension")
        return fake_images

    def _discriminate(self, images, labels, training):
        inputs = images if labels is None else [images, labels]
        return self.discriminator(inputs, training=training)

    def _latent(self, batch_size):
        return distribute.global_draw(keras.random.normal, batch_size, (self.latent_dim,),
                                      self.seed_generator)

    def _augment(self, images):
        """DiffAugment of a (per-replica) batch with the ``augment`` policy (or ``images``).

        The parameters are drawn for the global batch from the training seed stream and this
        replica's rows applied, as for the latent vectors.
        """
        if not self._augment_policy:
            return images
        batch_size = tf.shape(images)[0]
        num_replicas, _ = distribute.replica_context()
        params = augment_lib.draw_parameters(
            self._augment_policy, batch_size * num_replicas, tuple(images.shape[1:3]),
            seed=self.seed_generator)
        params = {name: distribute.replica_slice(value, batch_size)
                  for name, value in params.items()}
        return augment_lib.apply_parameters(images, params, self._augment_policy)

    # ----------------------------------------------------------------------------------------
    # Losses

    def _discriminator_loss(self, real_logits, fake_logits):
        if self.loss_name == "least_squares":
            a, b, _ = self.ls_targets
            return self._loss_pair.discriminator(real_logits, fake_logits, a=a, b=b)
        return self._loss_pair.discriminator(real_logits, fake_logits)

    def _generator_loss(self, fake_logits):
        if self.loss_name == "least_squares":
            return self._loss_pair.generator(fake_logits, c=self.ls_targets[2])
        return self._loss_pair.generator(fake_logits)

    def _output_summary(self, logits):
        logits = tf.cast(tf.reshape(logits, [-1]), tf.float32)
        if self.loss_name in _PROBABILISTIC_LOSSES:
            logits = tf.sigmoid(logits)
        return tf.reduce_mean(logits)

    def _penalty(self, images, fake_images, labels, training):
        """Per-example gradient penalty, or ``None`` when disabled."""
        if self.gp_weight == 0:
            return None
        loss_scale = None
        if isinstance(self.d_optimizer, keras.optimizers.LossScaleOptimizer):
            loss_scale = self.d_optimizer.dynamic_scale
        critic = functools.partial(self._discriminate, labels=labels, training=training)
        if self.gp_type == "r1":
            return losses_lib.r1_penalty(critic, images, loss_scale=loss_scale)
        batch_size = tf.shape(images)[0]
        alpha = distribute.global_draw(keras.random.uniform, batch_size, (), self.seed_generator)
        return losses_lib.gradient_penalty(critic, images, fake_images, alpha,
                                           loss_scale=loss_scale)

    def _discriminator_objective(self, images, labels, training, penalty=True,
                                 fake_images=None):
        """Returns ``(per_example_loss, logs)`` for one discriminator evaluation.

        ``penalty=False`` leaves the gradient penalty out (a lazy-regularisation batch
        without it); when it is applied its weight is ``gp_every * gp_weight``.
        ``fake_images`` (default: a new batch from the generator) are the fakes to score.
        """
        if fake_images is None:
            fake_images = self._fake_like(images, labels, training)
        # With DiffAugment the critic only ever sees augmented images, the penalty included.
        real_inputs = self._augment(images)
        fake_inputs = self._augment(fake_images)
        real_logits = self._discriminate(real_inputs, labels, training=training)
        fake_logits = self._discriminate(fake_inputs, labels, training=training)
        per_example = self._discriminator_loss(real_logits, fake_logits)
        logs = {"d_real": self._output_summary(real_logits),
                "d_fake": self._output_summary(fake_logits)}
        if self.drift_weight > 0:
            drift = losses_lib.drift_penalty(real_logits)
            logs["drift"] = tf.reduce_mean(drift)
            per_example = per_example + self.drift_weight * drift
        gradient_penalty = (self._penalty(real_inputs, fake_inputs, labels, training)
                            if penalty else None)
        if gradient_penalty is not None:
            logs["gp"] = tf.reduce_mean(gradient_penalty)
            per_example = per_example + self.gp_every * self.gp_weight * gradient_penalty
        logs["d_loss"] = tf.reduce_mean(per_example)
        return per_example, logs

    def _generator_objective(self, batch_size, labels, training, fake_images=None):
        """Per-example generator loss on ``fake_images`` (default: a new batch)."""
        if fake_images is None:
            fake_images = self._generate(self._latent(batch_size), labels, training=training)
        fake_logits = self._discriminate(self._augment(fake_images), labels, training=training)
        return self._generator_loss(fake_logits)

    # ----------------------------------------------------------------------------------------
    # Updates

    @staticmethod
    def _training_loss(optimizer, per_example_loss):
        """The scalar to differentiate; call it inside the gradient tape."""
        # Gradients are summed over replicas, so average over the *global* batch.
        loss = tf.nn.compute_average_loss(per_example_loss)
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            loss = optimizer.scale_loss(loss)
        return loss

    def _discriminator_update(self, images, labels, penalty=True, fake_images=None):
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            per_example, logs = self._discriminator_objective(images, labels, training=True,
                                                              penalty=penalty,
                                                              fake_images=fake_images)
            loss = self._training_loss(self.d_optimizer, per_example)
        self.d_optimizer.apply(tape.gradient(loss, variables), variables)
        if self.clip_value is not None:
            losses_lib.clip_weights(variables, self.clip_value)
        return logs

    def _generator_update(self, batch_size, labels):
        """Returns the mean generator loss of one generator update on a new fake batch."""
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            per_example = self._generator_objective(batch_size, labels, training=True)
            loss = self._training_loss(self.g_optimizer, per_example)
        self._apply_generator_gradients(tape.gradient(loss, variables))
        return tf.reduce_mean(per_example)

    def _discriminator_then_generator_update(self, images, labels, penalty=True):
        """A discriminator update, then a generator update on the same fake batch.

        Returns ``(discriminator logs, mean generator loss)``.
        """
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            fake_images = self._fake_like(images, labels, training=True)
            with tape.stop_recording():
                logs = self._discriminator_update(images, labels, penalty,
                                                  fake_images=tf.stop_gradient(fake_images))
            per_example = self._generator_objective(None, labels, training=True,
                                                    fake_images=fake_images)
            loss = self._training_loss(self.g_optimizer, per_example)
        self._apply_generator_gradients(tape.gradient(loss, variables))
        return logs, tf.reduce_mean(per_example)

    def _apply_generator_gradients(self, gradients):
        variables = self.generator.trainable_variables
        self.g_optimizer.apply(gradients, variables)
        if self.ema_generator is not None:
            self._update_ema()

    def _update_ema(self):
        """Moves ``ema_generator``'s weights towards the generator's (see ``tfgan.ema``)."""
        ema.update_average(self.ema_generator.weights, self.generator.weights,
                           ema.warmup_decay(self.ema_decay, self.g_optimizer.iterations))

    @staticmethod
    def _track(tracker, value, optimizer=None):
        """Adds ``value`` to a metric; under loss scaling, only if it is finite.

        With float16 loss scaling an overflowing step (typically one of the first, at the
        initial 2^15 scale, or a gradient penalty whose inner gradient overflowed) is skipped
        by the LossScaleOptimizer, which halves the scale. Its non-finite loss is not part of
        training and is left out of the running means, so ``TerminateOnNaN`` and the logs only
        see real divergence. Without loss scaling every value is tracked, NaN included.
        """
        weight = None
        if isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            weight = tf.cast(tf.math.is_finite(value), tf.float32)
            value = tf.where(tf.math.is_finite(value), value, tf.zeros_like(value))
        tracker.update_state(value, sample_weight=weight)

    def _update_trackers(self, logs, optimizer=None):
        self._track(self.d_loss_tracker, logs["d_loss"], optimizer)
        self._track(self.d_real_tracker, logs["d_real"], optimizer)
        self._track(self.d_fake_tracker, logs["d_fake"], optimizer)
        if self.gp_tracker is not None and "gp" in logs:
            self._track(self.gp_tracker, logs["gp"], optimizer)
        if self.drift_tracker is not None:
            self._track(self.drift_tracker, logs["drift"], optimizer)

    def _scheduled_train_step(self, data, update_generator, penalty=True):
        images, labels = self._unpack_batch(data)
        if self.d_optimizer is None:
            raise ValueError("call compile() before fit()")
        reuse = update_generator and self.reuse_fakes
        for _ in range(self.d_steps - 1 if reuse else self.d_steps):
            self._update_trackers(self._discriminator_update(images, labels, penalty),
                                  self.d_optimizer)
        if reuse:
            logs, g_loss = self._discriminator_then_generator_update(images, labels, penalty)
            self._update_trackers(logs, self.d_optimizer)
        elif update_generator:
            g_loss = self._generator_update(tf.shape(images)[0], labels)
        if update_generator:
            self._track(self.g_loss_tracker, g_loss, self.g_optimizer)
        self.batches_seen.assign_add(1)
        return self._logs()

    def _logs(self):
        logs = {m.name: m.result() for m in self.metrics}
        # Keras callbacks that watch "loss" (TerminateOnNaN, EarlyStopping's default) then see
        # either network diverging; the sum is no measure of sample quality.
        logs["loss"] = logs["d_loss"] + logs["g_loss"]
        return distribute.logs_for_reduction(logs, self.distribute_strategy)

    @property
    def _scheduled(self) -> bool:
        """Whether batches differ in what they update: some skip the generator update
        (``g_every > 1`` or warm-up) or the gradient penalty (``gp_every > 1``)."""
        return self.g_every > 1 or self.critic_warmup or self.gp_every > 1

    def _due(self, batch):
        """``(generator update, gradient penalty)`` due for batch number ``batch``."""
        return (generator_due(batch, self.g_every, self.critic_warmup),
                penalty_due(batch, self.gp_every))

    def _due_now(self):
        """``_due`` of the batch about to be trained, as Python bools (eager only)."""
        generator, penalty = self._due(int(self.batches_seen.numpy()))
        return bool(generator), bool(penalty)

    def train_step(self, data):
        """One batch: ``d_steps`` discriminator updates and, on schedule, a generator update.

        With a schedule (``g_every > 1``, ``critic_warmup`` or ``gp_every > 1``) Keras' ``fit``
        goes through ``make_train_function`` below, which picks the step with or without the
        generator update (and the penalty) per batch; ``train_step`` itself (e.g. called by a
        user's own loop) follows the schedule too: eagerly by a Python test, in a
        ``tf.function`` by ``tf.cond`` on ``batches_seen`` (not inside a ``MirroredStrategy``
        replica, where optimizer updates cannot sit in a branch: use ``fit`` there).
        """
        if not self._scheduled:
            return self._scheduled_train_step(data, update_generator=True)
        if tf.executing_eagerly():
            return self._scheduled_train_step(data, *self._due_now())
        generator, penalty = self._due(tf.convert_to_tensor(self.batches_seen))

        def step(update_generator):
            if self.gp_every == 1:
                return lambda: self._scheduled_train_step(data, update_generator)
            return lambda: tf.cond(
                penalty, lambda: self._scheduled_train_step(data, update_generator, True),
                lambda: self._scheduled_train_step(data, update_generator, False))

        if self.g_every == 1 and not self.critic_warmup:
            return step(True)()
        return tf.cond(generator, step(True), step(False))

    def make_train_function(self, force=False):
        """Builds ``fit``'s train function; with a schedule, one function per kind of batch.

        A generator update inside ``tf.cond`` is not possible under ``MirroredStrategy``
        (optimizer updates ``merge_call`` and cannot sit in a replica-context branch), so the
        schedule is applied in Python between traced functions, one per combination of
        (generator update, gradient penalty) the schedule uses, each traced on first use.
        Each batch costs only the work it performs.
        """
        if self.train_function is not None and not force:
            return self.train_function
        if not self._scheduled:
            train_function = self._make_function(self.train_step)
        else:
            steps = {}

            def train_function(iterator):
                due = self._due_now()
                if due not in steps:
                    steps[due] = self._make_function(functools.partial(
                        self._scheduled_train_step, update_generator=due[0], penalty=due[1]))
                return steps[due](iterator)

        self.train_function = distribute.with_scalar_logs(train_function,
                                                          self.distribute_strategy)
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is not None and not force:
            return self.test_function
        super().make_test_function(force)
        self.test_function = distribute.with_scalar_logs(self.test_function,
                                                         self.distribute_strategy)
        return self.test_function

    def test_step(self, data):
        """Reports the training metrics on a batch without updating any weight."""
        images, labels = self._unpack_batch(data)
        _, logs = self._discriminator_objective(images, labels, training=False)
        self._update_trackers(logs)
        g_loss = self._generator_objective(tf.shape(images)[0], labels, training=False)
        self.g_loss_tracker.update_state(tf.reduce_mean(g_loss))
        return self._logs()

    # ----------------------------------------------------------------------------------------
    # Sampling

    def generate(self, num: Optional[int] = None, labels=None, z=None, seed=None):
        """Samples images from ``sampling_generator`` (inference mode).

        Args:
            num: number of images; may be omitted when ``z`` or ``labels`` fixes it.
            labels: class ids for a conditional model: an int (same class for all) or
                ``[num]`` ints in ``[0, num_classes)``. Required iff the model is conditional.
            z: optional latent batch ``[num, latent_dim]``; drawn from N(0, 1) otherwise.
            seed: optional int seed for drawing ``z`` (reproducible samples).

        Returns:
            float32 tensor ``[num, H, W, C]`` in [-1, 1].

        Raises:
            ValueError: for missing/unexpected labels, labels out of range or bad shapes.
        """
        if z is not None:
            z = tf.convert_to_tensor(z, tf.float32)
            if z.shape.rank != 2 or z.shape[-1] != self.latent_dim:
                raise ValueError(f"z must have shape [num, {self.latent_dim}], got "
                                 f"{tuple(z.shape)}")
            num = z.shape[0] if num is None else num
        if labels is not None:
            if not self.conditional:
                raise ValueError("labels were given to an unconditional GAN")
            labels = np.asarray(labels)
            if labels.ndim == 0:
                if num is None:
                    raise ValueError("num is required when labels is a single class id")
                labels = np.full([num], int(labels))
            num = len(labels) if num is None else num
            if labels.shape != (num,):
                raise ValueError(f"labels must have shape [num] = [{num}], got {labels.shape}")
            if labels.min() < 0 or labels.max() >= self.num_classes:
                raise ValueError(f"labels must lie in [0, {self.num_classes}), got values "
                                 f"from {labels.min()} to {labels.max()}")
            labels = tf.constant(labels, tf.int32)
        elif self.conditional:
            raise ValueError(f"this GAN is conditional (num_classes={self.num_classes}): "
                             "pass labels=")
        num = _positive_int("num", num)
        if z is None:
            z = keras.random.normal((num, self.latent_dim), seed=seed)
        elif z.shape[0] != num:
            raise ValueError(f"z has {z.shape[0]} rows but num={num}")
        inputs = z if labels is None else [z, labels]
        return tf.cast(self.sampling_generator(inputs, training=False), tf.float32)
