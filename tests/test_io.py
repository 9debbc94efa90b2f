"""Tests for tfgan._io: atomic writes and step-keyed CSV files."""

import json
import os

import pytest

from tfgan import _io


def test_atomic_write_replaces_whole_files_only(tmp_path):
    path = str(tmp_path / "a" / "file.txt")
    _io.atomic_write(path, "one")
    _io.atomic_write(path, b"two")
    with open(path) as f:
        assert f.read() == "two"
    with pytest.raises(RuntimeError):
        with _io.atomic_path(path) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("killed")
    with open(path) as f:
        assert f.read() == "two"
    assert os.listdir(tmp_path / "a") == ["file.txt"]


def test_temporary_sibling_is_hidden_and_keeps_the_extension(tmp_path):
    tmp = _io.temporary_sibling(str(tmp_path / "curve.png"))
    assert os.path.basename(tmp) == f".curve.png.tmp-{os.getpid()}.png"


def test_write_json_is_sorted_and_ends_with_a_newline(tmp_path):
    path = _io.write_json(str(tmp_path / "x.json"), {"b": 1, "a": 2})
    with open(path) as f:
        text = f.read()
    assert text.endswith("}\n") and text.index('"a"') < text.index('"b"')
    assert json.loads(text) == {"a": 2, "b": 1}


def test_csv_append_truncate_and_read(tmp_path):
    path = str(tmp_path / "m.csv")
    columns = ["step", "loss", "time"]
    for step in (1, 2, 3):
        _io.append_csv_row(path, columns, {"step": step, "loss": float("nan") if step == 2
                                           else 0.123456789, "time": 1.5, "extra": 0})
    fieldnames, rows = _io.read_csv(path)
    assert fieldnames == columns
    assert [r["loss"] for r in rows] == ["0.123457", "", "0.123457"]
    fieldnames, kept = _io.truncate_csv_after(path, 2)
    assert [r["step"] for r in kept] == ["1", "2"]
    assert [r["step"] for r in _io.read_csv(path)[1]] == ["1", "2"]
    assert _io.read_csv(str(tmp_path / "missing.csv")) == (None, [])
    assert _io.to_float("") != _io.to_float("")  # NaN
