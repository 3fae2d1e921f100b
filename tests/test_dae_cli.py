"""The shipped DAEs through the CLI: ``explorer inpaint``/``eval``/``train`` (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from explorer.cli import main
from explorer.train.recipes import RECIPES
from explorer.weights import load_pretrained


def run(capsys, *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_inpaint_with_the_mnist_dae_goes_through_the_sampler_registry(capsys, tmp_path) -> None:
    out = tmp_path / "c.npz"
    code, _, err = run(capsys, "inpaint", "dae-mnist-wb", "--mask", "right-half", "--n", "6",
                       "--steps", "20", "--seed", "2", "--out", str(out))
    assert code == 0, err
    arrays = np.load(out)
    mask, original, completion = arrays["mask"], arrays["original"], arrays["completion"]
    assert completion.shape == (6, 784) and set(np.unique(completion)) <= {0, 1}
    assert np.array_equal(completion[mask], original[mask])  # clamped pixels unchanged
    assert (completion[~mask] != original[~mask]).any()  # the free half was resampled


def test_eval_of_a_2d_dae_reproduces_its_card(capsys) -> None:
    """``explorer eval`` finds the toy on the card and recomputes the card's numbers (seed 0)."""
    code, out, err = run(capsys, "eval", "dae-ring8-s10")
    assert code == 0, err
    metrics = json.loads(out.strip().splitlines()[-1])
    card = load_pretrained("dae-ring8-s10").card["metrics"]
    for key, value in card.items():
        assert abs(metrics[key] - value) <= 1e-3 * max(1.0, abs(value)), key


def test_train_reproduces_a_shipped_2d_dae(capsys, tmp_path: Path) -> None:
    """``explorer train dae-ring8-s30`` (2,000 Adam steps, seconds) gives the shipped file."""
    assert {"dae-ring8-s10", "dae-ring8-s10-wb", "dae-ring8-s30", "dae-ring8-s30-wb",
            "dae-spiral-s10", "dae-spiral-s10-wb", "dae-mnist-wb"} <= set(RECIPES)
    code, _, err = run(capsys, "train", "dae-ring8-s30", "--out", str(tmp_path))
    assert code == 0, err
    made = json.loads((tmp_path / "dae-ring8-s30.json").read_text())
    shipped = load_pretrained("dae-ring8-s30").card
    assert made["metrics"] == shipped["metrics"]
    mine, theirs = load_pretrained(tmp_path / "dae-ring8-s30"), load_pretrained("dae-ring8-s30")
    for (key, a), b in zip(mine.state_dict().items(), theirs.state_dict().values(), strict=True):
        assert np.allclose(a.numpy(), b.numpy(), atol=1e-4), key  # thread counts: not bit-exact


def test_inpaint_with_a_2d_dae_says_it_models_points(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "inpaint", "dae-ring8-s10", "--n", "2",
                       "--out", str(tmp_path / "c.npz"))
    assert code == 2 and "not a model of 28×28 digits" in err
    assert not (tmp_path / "c.npz").exists()
