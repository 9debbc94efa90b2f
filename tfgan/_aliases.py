"""Deprecated aliases of names that moved to another module.

A module keeps its old names importable with a module-level ``__getattr__`` (PEP 562)::

    __getattr__ = _aliases.moved(__name__, {"image_grid": "tfgan.images.image_grid"})

The target module is imported on first use of the old name, so an alias adds no import edge
(and no cycle) between the two modules.
"""

import importlib
import warnings
from typing import Any, Callable, Dict


def moved(module_name: str, targets: Dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving ``targets`` (old name -> ``"module.attribute"``).

    Each access warns with a ``DeprecationWarning`` naming the new place.
    """

    def __getattr__(name: str) -> Any:
        target = targets.get(name)
        if target is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        new_module, _, attribute = target.rpartition(".")
        warnings.warn(f"{module_name}.{name} moved to {target}", DeprecationWarning,
                      stacklevel=2)
        return getattr(importlib.import_module(new_module), attribute)

    return __getattr__
