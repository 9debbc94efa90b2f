"""Tests for tfgan.names (the vocabulary) and tfgan._checks (the argument checks)."""

import numpy as np
import pytest

from tfgan import _checks
from tfgan import augment
from tfgan import config as config_lib
from tfgan import distribute
from tfgan import losses
from tfgan import names
from tfgan import networks


def test_the_implementing_modules_use_the_names():
    assert losses.LOSS_NAMES == names.LOSSES
    assert networks.ARCHITECTURES == names.ARCHITECTURES
    assert networks.NORMALIZATIONS == names.NORMALIZATIONS
    assert distribute.STRATEGIES == names.STRATEGIES
    assert distribute.PRECISIONS == names.PRECISIONS
    assert augment.POLICIES == names.AUGMENT_POLICIES
    assert config_lib.EVAL_EXTRACTORS == names.EXTRACTORS


def test_every_config_field_has_help_and_choices_are_fields():
    fields = set(config_lib.Config.__dataclass_fields__)
    assert fields <= set(names.FLAG_HELP)
    assert set(names.FLAG_CHOICES) <= fields
    for name, choices in names.FLAG_CHOICES.items():
        assert getattr(config_lib.Config(), name) in choices


def test_resolve_extractor_and_score_name():
    assert names.resolve_extractor("auto", 1) == "mnist"
    assert names.resolve_extractor("auto", 3) == "anime"
    assert names.resolve_extractor("inception_v3", 1) == "inception_v3"
    with pytest.raises(ValueError, match="extractor must be one of 'auto', 'mnist'"):
        names.resolve_extractor("vgg", 3)
    assert names.score_name("mnist") == "mnist_score"
    assert names.score_name("anime") == names.score_name("inception_v3") == "inception_score"


def test_parse_augment_policy():
    assert names.parse_augment_policy(" color, cutout ") == ("color", "cutout")
    assert names.parse_augment_policy("") == names.parse_augment_policy(None) == ()
    with pytest.raises(ValueError, match="comma-separated list"):
        names.parse_augment_policy("colour")
    with pytest.raises(ValueError, match="at most once"):
        names.parse_augment_policy("color,color")


def test_checks():
    assert _checks.positive_int("n", np.int64(3)) == 3
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"^n must be a positive integer, got"):
            _checks.positive_int("n", bad)
    assert _checks.non_negative_int("seed", 0) == 0
    with pytest.raises(config_lib.ConfigError, match=r"--seed must be an integer >= 0 \(0: off\)"):
        _checks.non_negative_int("--seed", -1, "(0: off)", config_lib.ConfigError)
    assert _checks.one_of("loss", "hinge", names.LOSSES) == "hinge"
    with pytest.raises(ValueError, match="loss must be one of 'minimax', "):
        _checks.one_of("loss", "hinged", names.LOSSES)
    assert _checks.is_real(np.float32(0.5)) and not _checks.is_real(float("nan"))
    assert not _checks.is_real(True) and not _checks.is_int(True)
