"""The 8x8 digits set that ships with scikit-learn, split once for every script.

Pixels (0..16) are scaled to [0, 1]. The split is seeded, so the examples'
training, their test inputs and the accuracy benchmark all see the same images.
"""

from __future__ import annotations

import numpy as np

SEED = 0


def digits_split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test); x as float32 (n, 64) in [0, 1]."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=SEED, stratify=y
    )
    return x_train, y_train, x_test, y_test
