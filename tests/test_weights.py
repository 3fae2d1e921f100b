"""Weights: safetensors + card round trip, and every way a file can be wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import explorer
from explorer.errors import WeightsError
from explorer.models.rbm import RBM, RBMConfig
from explorer.weights import list_pretrained, load_pretrained, read_card, save_model


@pytest.fixture
def saved(tmp_path: Path) -> tuple[RBM, Path]:
    model = RBM(RBMConfig(n_visible=12, n_hidden=5))
    model.W.normal_(0, 1)
    card = save_model(model, tmp_path, "tiny", metrics={"score": 1.5}, training={"epochs": 3})
    return model, card


def test_round_trip(saved) -> None:
    model, card_path = saved
    loaded = load_pretrained(card_path.with_suffix(""), device="cpu")
    assert isinstance(loaded, RBM) and not loaded.training
    assert torch.equal(loaded.W, model.W)
    card = read_card(card_path)
    assert card["kind"] == "rbm" and card["tensors"]["W"] == [12, 5]
    assert card["config"] == {"n_visible": 12, "n_hidden": 5}
    assert card["metrics"] == {"score": 1.5} and card["package_version"] == explorer.__version__
    assert [p.name for p in card_path.parent.iterdir() if p.name.endswith(".tmp")] == []
    # by either file's path too
    assert torch.equal(load_pretrained(card_path).W, model.W)
    assert torch.equal(load_pretrained(card_path.with_suffix(".safetensors")).W, model.W)


def test_missing_files(saved, tmp_path: Path) -> None:
    _, card_path = saved
    with pytest.raises(WeightsError, match="card not found"):
        load_pretrained(tmp_path / "nothing")
    card_path.with_suffix(".safetensors").unlink()
    with pytest.raises(WeightsError, match=r"tiny\.safetensors: weights file not found"):
        load_pretrained(card_path)


def test_truncated_file(saved) -> None:
    _, card_path = saved
    weights = card_path.with_suffix(".safetensors")
    weights.write_bytes(weights.read_bytes()[:-50])
    with pytest.raises(WeightsError, match=r"tiny\.safetensors: sha256 .* field 'sha256'"):
        load_pretrained(card_path)


def test_tampered_file(saved) -> None:
    _, card_path = saved
    weights = card_path.with_suffix(".safetensors")
    data = bytearray(weights.read_bytes())
    data[-3] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="truncated, modified"):
        load_pretrained(card_path)


def rewrite_card(card_path: Path, **changes) -> None:
    card = json.loads(card_path.read_text())
    card.update(changes)
    card_path.write_text(json.dumps(card))


def test_card_shape_mismatch(saved) -> None:
    _, card_path = saved
    rewrite_card(card_path, tensors={"W": [12, 6], "b": [12], "c": [5]})
    with pytest.raises(WeightsError, match=r"field 'tensors\.W' is \[12, 6\]"):
        load_pretrained(card_path)


def test_card_config_mismatch(saved) -> None:
    _, card_path = saved
    rewrite_card(
        card_path,
        config={"n_visible": 12, "n_hidden": 7},
        tensors={"W": [12, 7], "b": [12], "c": [7]},
    )
    with pytest.raises(WeightsError, match=r"tensor 'W' has shape \[12, 5\], expected \[12, 7\]"):
        load_pretrained(card_path)


def test_card_kind_problems(saved) -> None:
    _, card_path = saved
    with pytest.raises(WeightsError, match="field 'kind' is 'rbm', expected 'classifier'"):
        load_pretrained(card_path, expected_kind="classifier")
    rewrite_card(card_path, kind="teapot")
    with pytest.raises(WeightsError, match="unknown model kind 'teapot'"):
        load_pretrained(card_path)


def test_card_format_and_fields(saved) -> None:
    _, card_path = saved
    rewrite_card(card_path, format_version=99)
    with pytest.raises(WeightsError, match="format_version"):
        load_pretrained(card_path)
    card = json.loads(card_path.read_text())
    del card["sha256"]
    card_path.write_text(json.dumps(card))
    with pytest.raises(WeightsError, match="field 'sha256' is missing"):
        load_pretrained(card_path)
    card_path.write_text("{not json")
    with pytest.raises(WeightsError, match="not a valid JSON card"):
        load_pretrained(card_path)


def test_pickle_is_not_a_weights_file(saved) -> None:
    """A pickled checkpoint renamed to .safetensors is refused, never unpickled."""
    import hashlib

    _, card_path = saved
    weights = card_path.with_suffix(".safetensors")
    torch.save({"W": torch.zeros(12, 5)}, weights)
    rewrite_card(card_path, sha256=hashlib.sha256(weights.read_bytes()).hexdigest())
    with pytest.raises(WeightsError, match="not a readable safetensors file"):
        load_pretrained(card_path)


def test_shipped_models_load_and_are_described() -> None:
    entries = dict(list_pretrained())
    for name in ("rbm-mnist", "classifier-mnist"):
        card = entries[name]
        for field in ("kind", "config", "data", "training", "metrics", "sha256", "package_version"):
            assert card.get(field) not in (None, {}, ""), (name, field)
        assert card["data"]["binarization"].startswith("threshold 0.5")
        model = load_pretrained(name, device="auto")
        assert model.kind == card["kind"] and not model.training
    assert entries["classifier-mnist"]["metrics"]["test_accuracy"] >= 0.95
