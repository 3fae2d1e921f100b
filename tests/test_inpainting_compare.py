"""The compare-all view of the inpainting app, headless, and the CLI for the new models."""

from __future__ import annotations

import json
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import pytest
import torch

from explorer.cli import main
from explorer.sampling import kind_offers_conditional_sampler
from explorer.sampling.compare import CompareRows, agreement
from explorer.sampling.masks import make_mask
from explorer.views.inpainting import InpaintingApp, build_inpainting_app
from explorer.weights import list_pretrained, load_pretrained


@pytest.fixture(scope="module")
def app() -> InpaintingApp:
    app = build_inpainting_app()
    app.view_choice.value = "all"
    return app


def inpaintable() -> list[str]:
    """Every pretrained model of digits (not the 2-D DAEs, which model points) with a sampler."""
    return [n for n, card in list_pretrained() if kind_offers_conditional_sampler(card["kind"])
            and card["config"].get("data") != "2d"]


def test_every_inpainting_model_is_listed_and_gets_a_row(app: InpaintingApp) -> None:
    names = inpaintable()
    assert {"rbm-mnist", "dbm-mnist", "nade-mnist", "dae-mnist-wb"} <= set(names)
    assert list(app.model_choice.options) == names
    assert list(app.compare_view.rows) == names
    assert app.status.kind == "ok", app.status.text


def test_rows_step_together_and_read_every_completion(app: InpaintingApp) -> None:
    view = app.compare_view
    app.digit_input.apply_preset("right-half")
    app.digit_input.load_test_digit(13)
    assert view.n_steps == 0 and view.label() == int(app.digit_input.test_labels[13])
    mask = app.digit_input.clamp_mask
    clamped = (app.digit_input.image >= 0.5)[mask]
    for _ in range(3):
        view.transport.step_button.click()
    assert {s.n_steps for s in view.compare.samplers.values()} == {3}
    for name, row in view.rows.items():
        sampler = view.compare.samplers[name]
        assert np.array_equal(sampler.state.numpy()[:, mask], np.broadcast_to(clamped, (8, 392)))
        reading = view.readings[name]
        assert reading.digits.shape == (8,)
        assert reading.agreement == pytest.approx(float((reading.digits == view.label()).mean()))
        assert f"{100 * reading.agreement:.0f}%" in row.heading.value
        assert [c.split(" ")[0] for c in row.strip.captions] == [str(d) for d in reading.digits]
        # the ★ chain is the one nearest the others on the free pixels, and the heading says so
        free = sampler.completion().numpy()[:, ~mask]
        risk = [(free[k] != free).sum() for k in range(8)]
        assert risk[reading.consensus] == min(risk)
        assert reading.consensus == int(np.argmin(risk))
        assert [k for k, c in enumerate(row.strip.captions) if c.endswith("★")] == [
            reading.consensus]
        assert (f"chain {reading.consensus + 1}, read as <b>{reading.digits[reading.consensus]}"
                f"</b>") in row.heading.value
    assert app.status.kind != "error", app.status.text


def test_each_model_shows_its_insides(app: InpaintingApp) -> None:
    view = app.compare_view
    view.transport.step_button.click()
    dbm = view.compare.samplers["dbm-mnist"].diagnostics()
    assert [v.shape[1] for v in dbm.hidden.values()] == [500, 200]  # both hidden layers
    assert len(view.rows["dbm-mnist"].insides.children) == 3  # h¹, h², energy
    nade = view.compare.samplers["nade-mnist"]
    probs = list(nade.diagnostics().hidden.values())[0]
    assert probs.shape == (8, 392)  # the conditionals in sampling order
    assert torch.allclose(nade.diagnostics().energy, -nade.log_prob)
    line = view.rows["nade-mnist"].energy.value
    assert f"{float(-nade.log_prob[0]):.1f}" in line


def test_insides_are_updated_in_place_not_rebuilt(app: InpaintingApp) -> None:
    """A step sends new values to the same widgets (new widgets per step would open ~30 comms
    per click, the compare-all view's main cost in the browser)."""
    view = app.compare_view
    view.transport.step_button.click()

    def insides() -> dict[str, list[int]]:
        return {name: [id(w) for part in row.insides.children
                       for w in (part, *getattr(part, "children", ()))]
                for name, row in view.rows.items()}

    def pictures() -> dict[str, list[bytes]]:
        return {name: [w.value for part in row.insides.children
                       for w in getattr(part, "children", ()) if isinstance(w, widgets.Image)]
                for name, row in view.rows.items()}

    before, shown = insides(), pictures()
    view.transport.step_button.click()
    view.transport.step_button.click()
    assert insides() == before
    assert pictures()["rbm-mnist"] != shown["rbm-mnist"]  # new hidden layer, same widget


def test_a_drawn_digit_has_no_label_and_a_change_restarts_all_rows(app: InpaintingApp) -> None:
    view = app.compare_view
    view.transport.step_button.click()
    app.digit_input.add_noise()
    assert view.n_steps == 0 and view.label() is None
    view.transport.step_button.click()
    assert all(r.agreement is None for r in view.readings.values())
    assert all("agreement" not in row.heading.value for row in view.rows.values())


def test_back_to_one_model_keeps_the_single_view_working(app: InpaintingApp) -> None:
    app.view_choice.value = "one"
    assert app.compare_view.layout.display == "none"
    before = app.chain.n_steps
    app.transport.step_button.click()
    assert app.chain.n_steps == before + 1 and app.status.kind != "error"


def test_compare_rows_are_seeded_and_agreement_is_a_fraction() -> None:
    models = {n: load_pretrained(n, device="cpu") for n in ("rbm-mnist", "nade-mnist")}
    from explorer.data import load_mnist

    images, _ = load_mnist("test")
    a = CompareRows(models, images[0], make_mask("right-half"), 4, seed=3)
    b = CompareRows(models, images[0], make_mask("right-half"), 4, seed=3)
    a.step()
    b.step()
    for name in models:
        assert torch.equal(a.samplers[name].state, b.samplers[name].state)
    assert agreement(np.array([1, 2, 2, 2]), 2) == 0.75 and agreement(np.array([1]), None) is None


@pytest.mark.parametrize("name", ["dbm-mnist", "nade-mnist"])
def test_cli_inpaint_writes_the_rbm_layout(capsys, tmp_path: Path, name: str) -> None:
    out = tmp_path / "c.npz"
    code = main(["inpaint", name, "--mask", "right-half", "--n", "5", "--steps", "3",
                 "--seed", "1", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    arrays = np.load(out)
    assert set(arrays.files) == {"original", "mask", "completion", "label"}
    original, mask, completion = arrays["original"], arrays["mask"], arrays["completion"]
    assert original.shape == mask.shape == completion.shape == (5, 784)
    assert original.dtype == completion.dtype == np.uint8 and mask.dtype == bool
    assert set(np.unique(completion)) <= {0, 1}
    assert np.array_equal(completion[mask], original[mask])


@pytest.mark.parametrize("name", ["dbm-mnist", "nade-mnist"])
def test_shipped_cards_have_their_metrics(name: str) -> None:
    card = json.loads((Path(__file__).parent.parent / "pretrained" / f"{name}.json").read_text())
    assert 0 < card["metrics"]["inpaint_right_half_agreement_500"] <= 1
    if name == "nade-mnist":
        assert card["metrics"]["test_log_likelihood_raster"] < 0


def test_a_dae_shows_its_corrupted_input_and_reconstruction() -> None:
    """Diagnostics.images of the DAE chain (x̃ and the reconstruction) reach both views."""
    from explorer.models.dae import DAE, DAEConfig
    from explorer.sampling.dae_chain import DAEChain
    from explorer.views.inpainting.compare import ModelRow
    from explorer.views.inpainting.panels import ChainsPanel

    model = DAE(DAEConfig(data="mnist", hidden=[16], corruption="salt-and-pepper", noise=0.2,
                          reconstruction="bernoulli"))
    mask = make_mask("right-half")
    chain = DAEChain(model, np.ones(784), mask, 3, torch.Generator().manual_seed(0))
    assert chain.diagnostics().images == {}
    chain.step()
    images = chain.diagnostics().images
    assert list(images) == ["x̃ (corrupted)", "reconstruction E[x | ω]"]
    assert torch.equal(images["reconstruction E[x | ω]"][:, ~torch.from_numpy(mask)],
                       chain.probabilities[:, ~torch.from_numpy(mask)])
    panel = ChainsPanel()
    panel.restart(chain)
    panel.show(chain, chain.probabilities.numpy(), ["c"] * 3, mask=mask)
    assert panel.images_view.n_images == 2 and panel.images_view.layout.display is None
    row = ModelRow("dae", "dae")
    row.show(chain, None, None, mask)
    assert row.images.n_images == 2


@pytest.mark.parametrize(("name", "layers"), [
    ("dbm-mnist", ["P(h¹ = 1 | v, h²)", "P(h² = 1 | h¹)"]),
    ("nade-mnist", ["p(xᵢ = 1 | clamped, earlier), in sampling order"]),
])
def test_the_single_view_runs_every_new_model(name: str, layers: list[str]) -> None:
    app = InpaintingApp(name)
    assert app.status.kind == "ok", app.status.text
    for _ in range(2):
        app.transport.step_button.click()
    assert app.chain.n_steps == 2 and app.status.kind != "error"
    assert list(app.chains.hidden_views) == layers
    assert all("%" in c for c in app.chains_view.captions)
