"""Argument checks shared by the package: integers, finite reals, booleans, choices.

Each check raises ``error`` (``ValueError`` by default; ``tfgan.config`` passes its
``ConfigError`` and a ``--flag`` name) with one message format everywhere, e.g.
``batch_size must be a positive integer, got -4``. No TensorFlow here.
"""

import math
import numbers
from typing import Sequence, Type

import numpy as np

from tfgan import names


def is_int(value) -> bool:
    """An integer (Python or NumPy), not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value) -> bool:
    """A finite real number (Python or NumPy), not a bool."""
    return (isinstance(value, numbers.Real) and not isinstance(value, bool)
            and math.isfinite(value))


def positive_int(name: str, value, error: Type[Exception] = ValueError) -> int:
    """``int(value)`` if it is an integer >= 1, else raises ``error``."""
    if not is_int(value) or value < 1:
        raise error(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def non_negative_int(name: str, value, note: str = "",
                     error: Type[Exception] = ValueError) -> int:
    """``int(value)`` if it is an integer >= 0, else raises ``error`` (``note`` says what 0
    means, e.g. ``"(0: off)"``)."""
    if not is_int(value) or value < 0:
        note = f" {note}" if note else ""
        raise error(f"{name} must be an integer >= 0{note}, got {value!r}")
    return int(value)


def one_of(name: str, value, choices: Sequence, error: Type[Exception] = ValueError):
    """``value`` if it is one of ``choices``, else raises ``error`` listing them."""
    if value not in choices:
        raise error(f"{name} must be one of {names.quoted(choices)}, got {value!r}")
    return value


def boolean(name: str, value) -> bool:
    """``bool(value)`` if it is a Python or NumPy bool, else raises ValueError."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)
