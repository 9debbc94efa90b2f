# `tfgan-generate` without installing the package: the same command, flags and --help (the usage
# text is tfgan_cli/generate.py's docstring; docs/cli.md explains every command).
import os
import sys

# This clone's tfgan first, so the script runs from a fresh clone and any working directory.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tfgan_cli.generate import run  # pylint: disable=wrong-import-position

if __name__ == "__main__":
    run()
