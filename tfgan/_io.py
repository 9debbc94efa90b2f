"""Small file helpers shared by the package: atomic writes and step-keyed CSV files.

Every file tfgan writes for a reader that may look at any moment (PNG grids, JSON summaries,
``.npz`` statistics, CSV rewrites) is written to a temporary sibling
``<dir>/.<name>.tmp-<pid>`` and renamed into place, so a reader (or a run killed mid-write)
never sees half a file; ``tfgan.workdir.clean_stale`` removes the temporary files of dead
processes. This module imports neither TensorFlow nor NumPy.
"""

import contextlib
import csv
import json
import math
import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple


def temporary_sibling(path: str) -> str:
    """``<dir>/.<name>.tmp-<pid><ext>``: where ``path`` is written before the rename.

    The extension is kept so writers that choose a format by it (matplotlib) still can.
    """
    directory, name = os.path.split(os.path.abspath(path))
    extension = os.path.splitext(name)[1]
    return os.path.join(directory, f".{name}.tmp-{os.getpid()}{extension}")


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yields a temporary path to write; renames it to ``path`` if the block succeeds.

    The folder of ``path`` is created. On an exception the temporary file is removed and
    ``path`` is left as it was.
    """
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def atomic_write(path: str, data) -> str:
    """Writes ``data`` (bytes or str) to ``path`` atomically; returns ``path``."""
    mode = "wb" if isinstance(data, (bytes, bytearray)) else "w"
    with atomic_path(path) as tmp:
        with open(tmp, mode) as f:
            f.write(data)
    return path


def write_json(path: str, values: Dict[str, Any]) -> str:
    """Writes ``values`` as indented, key-sorted JSON (one trailing newline), atomically."""
    return atomic_write(path, json.dumps(values, indent=2, sort_keys=True) + "\n")


# --------------------------------------------------------------------------------------------
# Step-keyed CSV files (metrics.csv, eval.csv)


def to_float(value) -> float:
    """``float(value)``, or NaN for an empty or unreadable cell."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def format_cell(key: str, value):
    """A CSV cell: floats to 6 significant digits (``time`` in full), NaN as empty."""
    if not isinstance(value, float) or key == "time":
        return value
    return "" if math.isnan(value) else f"{value:.6g}"


def read_csv(path: str) -> Tuple[Optional[List[str]], List[Dict[str, str]]]:
    """``(fieldnames, rows)`` of a CSV with a header (``(None, [])`` if there is no file)."""
    if not os.path.exists(path):
        return None, []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def append_csv_row(path: str, columns: Sequence[str], row: Dict[str, Any]) -> None:
    """Appends ``row`` (cells formatted by ``format_cell``), writing the header to a new file.

    Keys of ``row`` that are not in ``columns`` are dropped; missing ones are left empty.
    """
    new_file = not os.path.exists(path) or os.path.getsize(path) == 0
    with open(path, "a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        if new_file:
            writer.writeheader()
        writer.writerow({k: format_cell(k, v) for k, v in row.items()})


def truncate_csv_after(path: str, step: int):
    """Drops the rows of a step-keyed CSV after ``step`` (atomically); for resumed runs.

    Returns:
        ``(fieldnames, kept_rows)`` of the file after truncation.
    """
    fieldnames, rows = read_csv(path)
    kept = [r for r in rows if to_float(r.get("step")) <= step]
    if fieldnames and len(kept) != len(rows):
        with atomic_path(path) as tmp:
            with open(tmp, "w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=fieldnames, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(kept)
    return fieldnames, kept


# --------------------------------------------------------------------------------------------
# Directories


def check_export_dir(export_dir: str) -> None:
    """Checks that ``export_dir`` is a directory or can be created as one.

    Called by ``export_generator`` before anything is written, and by the command-line tools
    before training so that a bad ``--export_dir`` fails in a second, not after training.

    Args:
        export_dir: the base export directory (need not exist).

    Raises:
        NotADirectoryError: ``export_dir``, or the nearest of its parents that exists, is not
            a directory, so no version directory can be made under it.
    """
    target = os.path.abspath(os.path.expanduser(os.fspath(export_dir)))
    path = target
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent
    if os.path.isdir(path):
        return
    consequence = "" if path == target else f", so {target} cannot be created"
    raise NotADirectoryError(
        f"{path} is a file, not a directory{consequence}; an export directory holds one "
        "numbered subdirectory per version")
