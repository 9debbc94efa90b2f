"""When the generator is updated (every ``g_every``-th batch, or the WGAN warm-up schedule)
and when the critic's gradient penalty is applied (every ``gp_every``-th batch).

Pure functions of the batch count (``GAN.batches_seen``, checkpointed), so a resumed run
continues its schedule exactly; it works on Python ints, NumPy arrays and tensors alike.
"""

__all__ = ["WARMUP_CRITIC_BATCHES", "WARMUP_EVERY", "WARMUP_GENERATOR_UPDATES", "generator_due",
           "penalty_due"]

# The original WGAN's critic schedule (Arjovsky et al. 2017, ``critic_warmup=True``): 100 critic
# batches per generator update for the first 25 generator updates and for every 500th.
WARMUP_CRITIC_BATCHES = 100
WARMUP_GENERATOR_UPDATES = 25
WARMUP_EVERY = 500


def generator_due(batch, g_every: int, critic_warmup: bool = False):
    """Whether training batch number ``batch`` (0-based) ends with a generator update.

    Without ``critic_warmup`` the generator is updated on every ``g_every``-th batch: batches
    ``g_every - 1``, ``2 * g_every - 1``, ... With it, the ``n``-th generator update (``n``
    counted from 0) comes ``p(n)`` batches after the previous one, where ``p(n)`` is
    ``WARMUP_CRITIC_BATCHES`` (100) for ``n < WARMUP_GENERATOR_UPDATES`` (25) and for every
    ``n`` divisible by ``WARMUP_EVERY`` (500), and ``g_every`` otherwise: the schedule of the
    WGAN paper's reference code (``Diters = 100 if gen_iterations < 25 or gen_iterations %
    500 == 0 else n_critic``), each critic step on a fresh batch.

    The generator-update count is a function of the batch count, so the schedule needs no
    state besides ``GAN.batches_seen`` (checkpointed): a resumed run continues it exactly.

    Args:
        batch: the batch number: a Python int, a numpy integer array or an integer tensor (in
            eager or graph mode); elementwise for arrays.
        g_every: the generator period outside the warm-up (>= 1).
        critic_warmup: apply the WGAN warm-up schedule.

    Returns:
        A bool, a bool array or a bool tensor (the type of ``batch``).
    """
    b = batch
    if not critic_warmup:
        return (b + 1) % g_every == 0
    burst = WARMUP_CRITIC_BATCHES
    warmup_end = burst * WARMUP_GENERATOR_UPDATES  # batches of the first 25 updates
    regular_end = warmup_end + (WARMUP_EVERY - WARMUP_GENERATOR_UPDATES) * g_every
    cycle = burst + (WARMUP_EVERY - 1) * g_every  # update 500k and the 499 that follow it
    in_cycle = (b - regular_end) % cycle
    # `&` and `|` combine Python bools, numpy arrays and tensors alike.
    return (((b < warmup_end) & ((b + 1) % burst == 0))
            | ((b >= warmup_end) & (b < regular_end) & ((b - warmup_end + 1) % g_every == 0))
            | ((b >= regular_end) & (in_cycle == burst - 1))
            | ((b >= regular_end) & (in_cycle >= burst)
               & ((in_cycle - burst + 1) % g_every == 0)))


def penalty_due(batch, gp_every: int):
    """Whether training batch number ``batch`` (0-based) applies the gradient penalty.

    The lazy regularisation of StyleGAN2 (Karras et al. 2020): the penalty is computed on
    batches ``0, gp_every, 2 * gp_every, ...`` only, with its weight multiplied by
    ``gp_every`` so that its average pull is unchanged; the other batches skip the penalty's
    second backward pass. ``gp_every=1`` applies it on every batch.

    Args:
        batch: the batch number (Python int, numpy integer array or integer tensor).
        gp_every: the penalty period (>= 1).

    Returns:
        A bool, a bool array or a bool tensor (the type of ``batch``).
    """
    return batch % gp_every == 0
