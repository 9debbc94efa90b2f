"""Flags of ``tfgan-train`` (``bin/train.py``); the only library module that reads absl flags.

Names, choices and help text are ``tfgan.names``'; like it and ``tfgan.config``, this module
does not import TensorFlow, so ``tfgan-train --help`` answers without it.

``define_flags()`` defines one flag per ``tfgan.config.Config`` field (same name, same default)
plus ``--workdir`` and ``--overwrite``; ``config_from_flags(FLAGS)`` turns the parsed values into
a validated ``Config``. Flagfiles (``--flagfile=configs/wgangp.cfg``) are absl's: flags are
read left to right, so a flag given after ``--flagfile`` overrides the file.
"""

import dataclasses

from absl import flags

from tfgan import config as config_lib
from tfgan import names

_DEFAULTS = config_lib.Config()


def define_flags(flag_values: flags.FlagValues = flags.FLAGS) -> None:
    """Defines the training flags (idempotent: a second call does nothing).

    Args:
        flag_values: the ``FlagValues`` to define them in (absl's global ``FLAGS`` by default).
    """
    if "workdir" in flag_values:
        return
    flags.DEFINE_string("workdir", None, names.FLAG_HELP["workdir"], flag_values=flag_values)
    flags.DEFINE_boolean("overwrite", False, names.FLAG_HELP["overwrite"],
                         flag_values=flag_values)
    for field in dataclasses.fields(config_lib.Config):
        name, default = field.name, getattr(_DEFAULTS, field.name)
        help_text = names.FLAG_HELP[name]
        if name in names.FLAG_CHOICES:
            # A plain string flag listing the choices: Config.validate() gives the error so
            # the message is the same from the command line and from Python.
            help_text += f" One of: {', '.join(names.FLAG_CHOICES[name])}."
            flags.DEFINE_string(name, default, help_text, flag_values=flag_values)
        elif name == "ls_targets":
            flags.DEFINE_list(name, [_format_float(v) for v in default], help_text,
                              flag_values=flag_values)
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
