"""Tests for tfgan.schedule (the GAN's use of it runs in tests/test_gan.py)."""

import numpy as np

from tfgan import schedule


def test_every_g_every_th_batch_without_warmup():
    due = [b for b in range(12) if schedule.generator_due(b, 3)]
    assert due == [2, 5, 8, 11]
    np.testing.assert_array_equal(schedule.generator_due(np.arange(4), 2),
                                  [False, True, False, True])


def test_warmup_bursts_then_g_every_then_a_burst_every_500th_update():
    g_every = 5
    batches = np.arange(schedule.WARMUP_CRITIC_BATCHES * schedule.WARMUP_GENERATOR_UPDATES
                        + schedule.WARMUP_EVERY * g_every + 2 * schedule.WARMUP_CRITIC_BATCHES)
    updates = np.flatnonzero(schedule.generator_due(batches, g_every, critic_warmup=True))
    gaps = np.diff(np.concatenate([[-1], updates]))
    warmup = schedule.WARMUP_GENERATOR_UPDATES
    assert (gaps[:warmup] == schedule.WARMUP_CRITIC_BATCHES).all()
    assert (gaps[warmup:schedule.WARMUP_EVERY] == g_every).all()
    assert gaps[schedule.WARMUP_EVERY] == schedule.WARMUP_CRITIC_BATCHES  # update 500
    assert (gaps[schedule.WARMUP_EVERY + 1:] == g_every).all()


def test_penalty_is_due_on_the_first_and_every_gp_every_th_batch():
    assert [b for b in range(10) if schedule.penalty_due(b, 4)] == [0, 4, 8]
    assert all(schedule.penalty_due(np.arange(5), 1))
