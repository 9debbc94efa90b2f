"""The runnable examples (the README's Python section among them) run end to end, briefly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def _find_mnist() -> Path:
    """Real MNIST: $TFGAN_MNIST, this machine's shared copy, or Keras' download (README)."""
    candidates = [os.environ.get("TFGAN_MNIST"),
                  ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz",
                  Path.home() / ".keras" / "datasets" / "mnist.npz"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return Path(candidate)
    return Path(candidates[-1])


MNIST = _find_mnist()


@pytest.mark.slow
def test_quickstart_trains_on_real_mnist_and_writes_a_grid(tmp_path):
    if not MNIST.exists():
        pytest.fail(f"real MNIST expected at {MNIST}: see the README's \"Get MNIST\", or set "
                    "TFGAN_MNIST=path/to/mnist.npz")
    output = tmp_path / "grid.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), f"--data_dir={MNIST}",
         "--steps=3", f"--output={output}"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    grid = np.asarray(Image.open(output))
    assert grid.shape == (4 * 28, 4 * 28)
    assert grid.std() > 0  # not a blank image


def run_example(name, *args, cwd):
    result = subprocess.run([sys.executable, str(ROOT / "examples" / name), *args],
                            capture_output=True, text=True, timeout=600, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.slow
def test_conditional_example_then_serving_example(tmp_path):
    """A user's own cGAN on real MNIST, saved as .keras, then exported and queried."""
    out = tmp_path / "cgan"
    run_example("conditional_mnist.py", f"--data_dir={MNIST}", "--steps=4",
                f"--output_dir={out}", cwd=tmp_path)
    digits = np.asarray(Image.open(out / "digits.png"))
    assert digits.shape[0] > digits.shape[1]  # ten rows of eight
    assert (out / "gan.keras").exists() and (out / "log.csv").exists()

    export_dir = tmp_path / "export"
    stdout = run_example("serve_generator.py", f"--model={out / 'gan.keras'}",
                         f"--export_dir={export_dir}", "--num=4", cwd=tmp_path)
    assert "served 4 images of shape (28, 28, 1)" in stdout
    assert (export_dir / "4" / "saved_model.pb").exists()  # version = training step
    body = json.loads((export_dir / "request.json").read_text())
    assert [row["label"] for row in body["instances"]] == [0, 1, 2, 3]
    assert len(body["instances"][0]["z"]) == 64
