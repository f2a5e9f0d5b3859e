"""A small training script for newcomers: a `train()` that fits a line with numpy and prints its progress."""

from pathlib import Path

from carbon_gui.core.errors import InputError

STARTER_SCRIPT = '''\
"""A starter training script made by carbon-gui: replace the body of train() with your own training.

carbon-gui's task.py calls train() with no arguments, inside codecarbon's tracker, so the run's energy
and emissions are measured. Outputs written under $AIP_MODEL_DIR (on Vertex AI) are kept in the bucket.
"""

import numpy as np

STEPS = 200
LEARNING_RATE = 0.1


def train():
    rng = np.random.default_rng(seed=0)
    x = rng.normal(size=(1_000, 3))
    true_weights = np.array([2.0, -1.0, 0.5])
    y = x @ true_weights + rng.normal(scale=0.1, size=1_000)

    weights = np.zeros(3)
    for step in range(1, STEPS + 1):
        error = x @ weights - y
        weights -= LEARNING_RATE * (x.T @ error) / len(y)
        if step % 50 == 0:
            print(f"step {step}/{STEPS}: loss {np.mean(error ** 2):.4f}", flush=True)
    print(f"learned weights {np.round(weights, 3).tolist()}", flush=True)


if __name__ == "__main__":
    train()
'''


def write_starter_script(path: Path) -> Path:
    """Writes the template to `path` (the user confirmed any overwrite in the file dialog). Disk: run it on the pool."""
    try:
        path.write_text(STARTER_SCRIPT, encoding="utf-8")
    except OSError as err:
        raise InputError(f"Could not write {path} ({err.strerror or err}): choose another folder.") from None
    return path
