"""The runnable examples (the README's Python section among them) run end to end, briefly."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist" / "mnist.npz"


@pytest.mark.slow
def test_quickstart_trains_on_real_mnist_and_writes_a_grid(tmp_path):
    if not MNIST.exists():
        pytest.fail(f"real MNIST expected at {MNIST} (see ../shared/data/mnist/README.md)")
    output = tmp_path / "grid.png"
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), f"--data_dir={MNIST}",
         "--steps=3", f"--output={output}"],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    grid = np.asarray(Image.open(output))
    assert grid.shape == (4 * 28, 4 * 28)
    assert grid.std() > 0  # not a blank image
