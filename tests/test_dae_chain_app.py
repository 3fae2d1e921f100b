"""The DAE-chain app headless: sub-steps, steps, run, reset, toy switch, live retraining, MNIST
clamping — and every sentence with a number checked against the number it reports."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
import torch

from explorer.metrics.dae_eval import spurious_share
from explorer.views.dae_chain import DAEChainApp, text
from explorer.views.dae_chain.figure import diagram_svg
from explorer.views.particles import ParticleCanvas
from explorer.views.wire import from_float32_bytes


@pytest.fixture(scope="module")
def app() -> DAEChainApp:
    return DAEChainApp(seed=0)


def test_the_js_is_built_with_the_one_bytes_helper() -> None:
    canvas = ParticleCanvas()
    assert canvas._esm.count("function toU8(") == 1 and canvas._esm.count("export default") == 1
    points = np.random.default_rng(0).normal(size=(2000, 2)).astype(np.float32)
    canvas.show(points)
    assert len(canvas.particles) == 2000 * 2 * 4  # float32 bytes, not JSON
    np.testing.assert_array_equal(canvas.particle_array, points)
    assert canvas.frames_behind() == 0  # no browser has painted yet
    canvas.show(points)
    canvas.frames_painted = canvas.version - 1  # the browser painted the first frame only
    assert canvas.frames_painted > 0 and canvas.frames_behind() == 1


def test_substeps_walk_the_highlighted_chain_through_fig_20_11(app: DAEChainApp) -> None:
    tab = app.toy_tab
    tab.reset_chains()
    x0 = tab.chain.state[0].clone()
    expected = {"corrupt": ["x", "x_tilde"], "encode": ["x", "x_tilde"],
                "decode": ["x", "x_tilde", "omega"], "sample": ["x", "x_tilde", "omega", "x_next"]}
    for name in ("corrupt", "encode", "decode", "sample"):
        frame = tab.substep()
        assert frame.done == name and tab.canvas.active == name
        chain = tab.canvas.chain
        assert [k for k in ("x", "x_tilde", "omega", "x_next") if chain[k] is not None] \
            == expected[name]
        assert 'explorer-dae-arrow-lit" data-substep="' + name in tab.diagram.value
        assert tab.diagram.value.count("explorer-dae-arrow-lit") == 1
    assert np.allclose(tab.canvas.chain["x"], x0.numpy(), atol=1e-6)
    assert np.allclose(tab.canvas.chain["x_next"], tab.chain.state[0].numpy(), atol=1e-6)
    # the h sentence states the h of the frame
    h = frame.h[0]
    assert tab.canvas.chain["h_text"] == text.h_text(float(h.mean()), int((h > 0.5).sum()),
                                                      len(h))
    # ω's ellipse is mean ± the std of p(x | ω)
    std = torch.exp(0.5 * frame.omega.log_var[0]).numpy()
    assert np.allclose(tab.canvas.chain["omega_std"], std, rtol=1e-5)
    assert tab.n_steps == 1
    assert diagram_svg(None).count("explorer-dae-arrow-lit") == 0


def test_numbers_sentence_states_the_numbers_computed(app: DAEChainApp) -> None:
    tab = app.toy_tab
    tab.reset_chains()
    for _ in range(5):
        tab.transport.step()
    numbers = tab.last_numbers
    shown = tab.numbers.value
    assert f"After <b>{tab.n_steps}</b> steps" in shown and tab.n_steps == 5
    state = tab.canvas.particle_array
    assert len(state) == tab.n_chains.value == 2000
    share = spurious_share(tab.toy, torch.from_numpy(state))
    assert abs(share - numbers["spurious_share"]) < 1e-9
    assert f"<b>{100 * share:.1f}%</b> of the chains" in shown
    assert f"the data itself: {100 * numbers['data_spurious_share']:.1f}%" in shown
    assert f"<b>{numbers['mmd2_ratio']:.1f}×</b>" in shown
    assert numbers["n_mmd"] == tab.reference.n == 500
    assert "MMD² of 500 chains to 500 held-out data points" in shown
    assert abs(tab.reference.mmd_ratio(state[:500]) - numbers["mmd2_ratio"]) < 1e-9
    if numbers["mmd2_ratio"] <= 1:
        assert "as close as a second data sample" in shown
    else:
        assert "as close as" not in shown


def test_fields_are_the_model_and_the_exact_tweedie_field(app: DAEChainApp) -> None:
    tab = app.toy_tab
    from explorer.views.dae_chain.figure import grid_points

    grid = grid_points(tab.view, tab.canvas.grid_n)
    field = from_float32_bytes(tab.canvas.field)
    with torch.no_grad():
        expected = tab.model.reconstruction_field(torch.from_numpy(grid)).numpy()
    np.testing.assert_allclose(field, expected, atol=1e-6)
    score = from_float32_bytes(tab.canvas.score)
    sigma = float(tab.model.config.noise)
    g = torch.from_numpy(grid).double()
    np.testing.assert_allclose(score, (tab.toy.tweedie_denoiser(g, sigma) - g).numpy(),
                               atol=1e-5)


def test_run_pause_reset(app: DAEChainApp) -> None:
    tab = app.toy_tab
    tab.reset_chains()
    tab.transport.run()
    time.sleep(1.0)
    tab.transport.pause()
    tab.transport.pacer.join(5)
    ran = tab.n_steps
    assert ran >= 3 and app.status.text == text.paused(ran)
    tab.transport.reset()
    assert tab.n_steps == 0 and app.status.text == text.RESET


def test_run_never_outruns_a_browser_that_stops_painting(app: DAEChainApp) -> None:
    """Flow control: a browser that painted every frame so far and then stalls gets at most
    ``max_behind`` more frames, however long Run goes on; its next acknowledgement lets the
    chain go on, and Pause still stops it."""
    tab = app.toy_tab
    tab.reset_chains()
    canvas, bar = tab.canvas, tab.transport
    canvas.frames_painted = painted = canvas.version
    skipped = bar.skipped_ticks
    try:
        bar.run()
        time.sleep(0.8)
        assert canvas.version - painted == bar.max_behind
        assert bar.skipped_ticks - skipped >= 5
        steps = tab.n_steps
        canvas.frames_painted = canvas.version  # the browser catches up
        time.sleep(0.5)
        bar.pause()
        bar.pacer.join(5)
        assert not bar.running and tab.n_steps > steps
        assert canvas.version - canvas.frames_painted <= bar.max_behind
    finally:
        bar.pause()
        bar.pacer.join(5)
        canvas.frames_painted = 0  # no browser again, for the tests after this one


def test_toy_sigma_training_and_chain_count_switch_models(app: DAEChainApp) -> None:
    tab = app.toy_tab
    tab.sigma_choice.value = 0.3
    assert tab.model_name == "dae-ring8-s30" and float(tab.model.config.noise) == 0.3
    tab.training_choice.value = True
    assert tab.model_name == "dae-ring8-s30-wb" and tab.model.config.walkback == 4
    tab.toy_choice.value = "spiral"
    assert tab.model_name == "dae-spiral-s10-wb" and tab.score_box.disabled
    assert "3 noise stds from the curve" in tab.rule.value
    tab.n_chains.value = 1
    assert tab.chain.n_chains == 1 and "n/a" in tab.numbers.value
    tab.step()
    tab.n_chains.value = 2000
    tab.toy_choice.value = "ring-8-wide"
    tab.training_choice.value = False
    assert tab.model_name == "dae-ring8-s10" and not tab.score_box.disabled


def test_live_retraining_runs_in_chunks_and_drives_the_chains(app: DAEChainApp) -> None:
    tab = app.toy_tab
    tab.retrain_sigma.value, tab.retrain_k.value, tab.retrain_steps.value = 0.5, 2, 100
    tab.retrain(seed=3)
    tab.live.join(30)
    assert not tab.live.running and tab.live.error is None
    assert tab.model.config.noise == 0.5 and tab.model.config.walkback == 2
    assert tab.model_name.startswith("yours")
    assert app.status.text == text.trained("Finished", 0.5, 2, 100)
    assert tab.n_steps == 0 and tab.chain.model is tab.model
    tab.step()
    tab.load_shipped()
    assert tab.model_name == "dae-ring8-s10"


def test_mnist_clamped_pixels_never_change_and_states_are_read(app: DAEChainApp) -> None:
    tab = app.mnist_tab
    tab.digit_input.load_test_digit(13)
    tab.digit_input.apply_preset("right-half")
    mask = tab.digit_input.clamp_mask
    observed = (tab.digit_input.image >= 0.5).astype(np.float32)
    for _ in range(4):
        frame = tab.substep()
    assert frame.done == "sample"
    assert tab.substep_strip.captions == list(text.SUBSTEP_CAPTIONS)
    inside = tab.substep_strip.array
    np.testing.assert_allclose(inside[2], frame.omega.mean[0].numpy(), atol=0.5 / 255 + 1e-6)
    for _ in range(12):
        tab.transport.step()
    assert tab.n_steps == 13 and len(tab.history) == 8
    for _t, state, digit, confidence in tab.history:
        np.testing.assert_array_equal(state[mask], observed[mask])
        d, c = tab.classifier.predict(torch.from_numpy(state)[None])
        assert digit == int(d[0]) and abs(confidence - float(c[0])) < 1e-6
    assert tab.strip.captions[-1] == text.state_caption(13, *tab.history[-1][2:])


def test_tab_switch_pauses_runs(app: DAEChainApp) -> None:
    app.toy_tab.transport.run()
    app.tabs.selected_index = 1
    assert not app.toy_tab.transport.running
    assert app.status.text == text.MNIST_READY
    app.tabs.selected_index = 0


def test_numbers_text_forms() -> None:
    assert "as close as" in text.numbers(3, -0.4, 0.1, 0.01, 500)
    assert "as close as" not in text.numbers(3, 4.0, 0.1, 0.01, 500)
    assert "After <b>1</b> step ·" in text.numbers(1, None, 0.5, 0.01)
    assert re.search(r"<b>50\.0%</b>", text.numbers(1, None, 0.5, 0.01))
