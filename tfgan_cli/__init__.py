"""The command-line tools ``tfgan-train``, ``tfgan-generate``, ``tfgan-evaluate``, ``tfgan-export``.

One module per command (``tfgan_cli/train.py`` ...), each with ``define_flags()``,
``main(argv)`` and ``run()``, the console-script entry point declared in ``setup.cfg``;
``bin/<command>.py`` and ``python -m tfgan_cli.<command>`` call the same ``run()``. Usage:
docs/cli.md.

The commands live beside the ``tfgan`` package, not inside it: ``import tfgan`` loads
TensorFlow and Keras (it registers ``tfgan.GAN`` with Keras so that ``.keras`` files load).
The few TensorFlow-free modules the flags need (``tfgan.names``, ``tfgan.config``,
``tfgan.flags``) are imported with ``import_without_tensorflow``, which defers the package's
``__init__`` until ``import_tensorflow()``; so ``--help`` and flag errors answer before
TensorFlow is loaded.

Conventions shared by the commands (this module):

* Importing a command module has no side effects: flags are defined by ``run()`` (or
  ``define_flags(flag_values)``), so tests can import several commands into one process.
* TensorFlow is imported only after the flags are parsed, by ``import_tensorflow()``, which
  every ``main`` calls before it imports a module of ``tfgan`` the usual way.
* TensorFlow's C++ start-up log (oneDNN, CUDA and CPU-feature notices, and grappler's
  ``remapper failed`` errors that do not affect results) is silenced unless the user set
  ``TF_CPP_MIN_LOG_LEVEL``; ``TF_CPP_MIN_LOG_LEVEL=0 tfgan-train ...`` shows all of it.
* A bad flag, path or input ends the command with one line ``error: <what> ...`` on stderr
  and exit status 1, before anything is trained or written.
* ``--config=NAME`` (``tfgan-train``) is expanded to ``--flagfile=<tfgan/configs/NAME.cfg>``
  before absl parses the flags (``expand_config_flag``), so the shipped configs work from
  any working directory.
"""

import contextlib
import importlib
import importlib.util
import os
import sys
from typing import Callable, Iterable, NoReturn

from absl import app
from absl import flags
from absl import logging

_LOG_LEVEL_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
_PACKAGE = "tfgan"
# (spec, module) of the tfgan package while its __init__ (which loads TensorFlow) is deferred.
_deferred_package = []


def fail(message) -> NoReturn:
    """Ends the command with ``error: <message>`` on stderr and exit status 1."""
    raise SystemExit(f"error: {message}")


@contextlib.contextmanager
def _stderr_discarded():
    """Points file descriptor 2 at /dev/null (C++ code writes there directly), then back."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_without_tensorflow(name: str):
    """Imports ``name``, a TensorFlow-free module of tfgan, without ``tfgan/__init__.py``.

    The package's ``__init__`` imports TensorFlow (see the module docstring); here the package
    module is created without running it, so only ``name`` and what it imports are loaded.
    ``import_tensorflow()`` runs the deferred ``__init__``, completing ``tfgan``. In a process
    that already imported ``tfgan`` (tests), this is a plain import.

    Args:
        name: e.g. ``"tfgan.flags"`` or ``"tfgan.names"``.
    """
    if _PACKAGE not in sys.modules:
        spec = importlib.util.find_spec(_PACKAGE)
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        _deferred_package.append((spec, package))
    return importlib.import_module(name)


def _finish_package_import() -> None:
    """Runs the ``tfgan/__init__.py`` that ``import_without_tensorflow`` deferred."""
    while _deferred_package:
        spec, package = _deferred_package.pop()
        spec.loader.exec_module(package)


def import_tensorflow() -> None:
    """Imports TensorFlow without its start-up log, unless ``TF_CPP_MIN_LOG_LEVEL`` is set.

    Level 3 hides the C++ INFO/WARNING/ERROR lines logged while running (e.g. ``E0000 ...
    remapper failed``, an optimisation pass that gives up on a fused gradient pattern and
    leaves the graph as it was). The lines TensorFlow writes while being imported, before its
    log level is read (``All log messages before absl::InitializeLog() ...``, oneDNN and CUDA
    notices), are discarded by pointing stderr at /dev/null for the import only; an import
    error is still raised and printed. Then the ``tfgan`` package is completed (see
    ``import_without_tensorflow``).
    """
    if "tensorflow" not in sys.modules:
        if _LOG_LEVEL_VARIABLE in os.environ:  # The user chose; show what they asked for.
            importlib.import_module("tensorflow")
        else:
            os.environ[_LOG_LEVEL_VARIABLE] = "3"
            with _stderr_discarded():
                importlib.import_module("tensorflow")
    _finish_package_import()


def quiet_python_logging() -> None:
    """absl/TensorFlow Python logging at WARNING unless ``--verbosity`` was given."""
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)


def check_no_arguments(argv) -> None:
    """Refuses positional arguments (usually a flag typed without ``--``)."""
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")


def run_command(main: Callable, doc: str, flag_names: Iterable[str]) -> None:
    """Runs ``main`` under ``absl.app.run`` with ``--help`` describing this command.

    absl's ``--help`` lists the flags defined by the ``__main__`` module and prints its
    docstring; a console script's ``__main__`` is a generated wrapper, so the command's flags
    are declared key flags of it and its docstring defaults to the command's.

    Args:
        main: ``main(argv)``.
        doc: the command's usage text (its module docstring).
        flag_names: the flags ``--help`` lists.
    """
    main_module = sys.modules["__main__"]
    if not getattr(main_module, "__doc__", None):
        main_module.__doc__ = doc
    for name in flag_names:
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[name])
    app.run(main)


CONFIG_FLAG = "--config"


def configs_dir() -> str:
    """The folder of the shipped configs, ``tfgan/configs/``, found without importing tfgan.

    ``import tfgan`` loads TensorFlow; the package's location is enough here. The folder is
    package data, so it is there in a clone, an editable install and a regular one alike.
    """
    spec = importlib.util.find_spec("tfgan")
    if spec is None or not spec.submodule_search_locations:
        fail("the tfgan package is not importable, so its configs cannot be found")
    return os.path.join(list(spec.submodule_search_locations)[0], "configs")


def available_configs() -> list:
    """The names of the shipped configs (``tfgan/configs/<name>.cfg``), sorted."""
    try:
        names = os.listdir(configs_dir())
    except OSError:
        return []
    return sorted(name[:-len(".cfg")] for name in names if name.endswith(".cfg"))


def config_path(value: str) -> str:
    """The flagfile ``--config=value`` names: a shipped config's name, or a path to a file.

    ``wgangp`` and ``wgangp.cfg`` are ``tfgan/configs/wgangp.cfg``; anything else is a path
    (relative to the working directory) to a flagfile of your own.

    Raises:
        SystemExit: ``error: ...`` listing the shipped configs when neither exists.
    """
    name = value[:-len(".cfg")] if value.endswith(".cfg") else value
    if name and os.sep not in value and (os.altsep is None or os.altsep not in value):
        shipped = os.path.join(configs_dir(), f"{name}.cfg")
        if os.path.isfile(shipped):
            return shipped
    if os.path.isfile(value):
        return os.path.abspath(value)
    available = ", ".join(available_configs()) or "none found"
    fail(f"{CONFIG_FLAG}={value}: no such config; the shipped configs are {available} "
         f"(or give the path of a .cfg flagfile)")


def expand_config_flag(argv: list) -> list:
    """``argv`` with each ``--config=NAME`` (or ``--config NAME``) replaced by ``--flagfile=``.

    Runs before absl parses the flags, so the config's flags sit exactly where ``--config``
    was: flags after it override it, as with ``--flagfile``. Arguments after ``--`` are left
    alone.
    """
    expanded = [argv[0]] if argv else []
    rest = iter(argv[1:])
    for arg in rest:
        if arg == "--":
            expanded.append(arg)
            expanded.extend(rest)
            break
        if arg == CONFIG_FLAG:
            value = next(rest, None)
            if value is None:
                fail(f"{CONFIG_FLAG} needs a value: one of {', '.join(available_configs())} "
                     f"or the path of a .cfg flagfile")
            arg = f"{CONFIG_FLAG}={value}"
        if arg.startswith(f"{CONFIG_FLAG}="):
            arg = f"--flagfile={config_path(arg[len(CONFIG_FLAG) + 1:])}"
        expanded.append(arg)
    return expanded


def defined_flags(define: Callable[[], None]) -> list:
    """Calls ``define()`` and returns the names of the flags it defined."""
    before = set(flags.FLAGS)
    define()
    return sorted(set(flags.FLAGS) - before)
