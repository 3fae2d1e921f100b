"""The inpainting app driven headless, as the browser would drive it (widget state messages)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.sampling.masks import make_mask
from explorer.views.inpainting import InpaintingApp, build_inpainting_app
from explorer.views.widgets import DigitCanvas, DigitStrip


@pytest.fixture(scope="module")
def app() -> InpaintingApp:
    return build_inpainting_app()


def chain_state(app: InpaintingApp) -> np.ndarray:
    return app.chain.v.numpy().copy()


def test_opens_ready(app: InpaintingApp) -> None:
    assert app.status.kind == "ok", app.status.text
    assert app.chains_view.n_images == 8 and len(app.chains_view.captions) == 8
    assert app.canvas.clamp_mask.sum() == 392  # the right half
    assert "explorer-app" in app._dom_classes


def test_canvas_buffer_from_the_browser_restarts_the_clamped_chains(app: InpaintingApp) -> None:
    drawn = np.zeros((28, 28), np.uint8)
    drawn[4:24, 12:16] = 255  # a vertical bar: a "1"
    mask = np.zeros((28, 28), np.uint8)
    mask[:, 10:18] = 1
    # The browser sends memoryviews (the bytes-serialization trap of VOILA.md).
    app.canvas.set_state(
        {"pixels": memoryview(drawn.tobytes()), "mask": memoryview(mask.tobytes())}
    )
    assert np.array_equal(app.canvas.clamp_mask, mask.reshape(-1) > 0)
    before = chain_state(app)
    app.step_button.click()
    after = chain_state(app)
    assert app.chain.n_steps == 1 and not np.array_equal(before, after)
    clamped = mask.reshape(-1) > 0
    kept = drawn.reshape(-1)[clamped] / 255.0  # (n_clamped,)
    assert all(np.array_equal(row[clamped], kept) for row in after)
    for _ in range(10):
        app.step_button.click()
    shown = app.chains_view.array  # what the browser draws: P(v|h), clamped pixels exact
    assert all(np.array_equal(row[clamped], kept) for row in shown)
    assert app.status.kind != "error"


def test_presets_and_digits(app: InpaintingApp) -> None:
    for name in ("top-half", "left-half", "box", "random-50"):
        app.preset_buttons[name].click()
        if name == "random-50":
            assert app.canvas.clamp_mask.sum() == 392
            continue
        assert np.array_equal(app.canvas.clamp_mask, make_mask(name))
    app.digit_index.value = 13
    app.load_button.click()
    assert np.array_equal(app.canvas.image, app.test_images[13])
    assert app.chain.n_steps == 0  # a new digit restarts the chains
    app.random_button.click()
    assert 0 <= app.digit_index.value < 1000
    app.clear_button.click()
    assert app.canvas.image.sum() == 0


def test_bad_input_is_a_friendly_message(app: InpaintingApp) -> None:
    guarded = app.status.guard(app.load_test_digit)
    guarded(5000)
    assert app.status.kind == "error" and "between 0 and 999" in app.status.text
    with pytest.raises(Exception):  # noqa: B017 - the widget itself rejects a bad buffer
        app.canvas.set_state({"pixels": memoryview(b"\x00" * 10)})
    app.step_button.click()  # the app still works
    assert app.status.kind != "error" or "between" in app.status.text


def test_run_and_pause_outside_a_kernel(app: InpaintingApp) -> None:
    start = app.chain.n_steps
    app.speed.value = 30
    app.run_button.click()
    assert app.pacer.running and app.run_button.disabled
    import time

    time.sleep(0.5)
    app.pause_button.click()
    app.pacer.join()
    stopped_at = app.chain.n_steps
    time.sleep(0.2)
    assert app.chain.n_steps == stopped_at > start + 3
    assert not app.run_button.disabled and "Paused" in app.status.text


def test_missing_weights_are_explained_not_raised(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("EXPLORER_PRETRAINED", str(tmp_path))
    broken = InpaintingApp()
    assert broken.status.kind == "error"
    assert "explorer train rbm-mnist" in broken.status.text
    assert broken.step_button.disabled
    broken.status.guard(broken.step)()
    assert "no model is loaded" in broken.status.text


def test_widgets_validate_their_buffers() -> None:
    canvas = DigitCanvas()
    canvas.brush = 10
    assert canvas.brush == 3.0
    canvas.image = np.linspace(0, 1, 784)
    assert canvas.pixels[0] == 0 and canvas.pixels[-1] == 255
    strip = DigitStrip()
    strip.show(np.zeros((3, 784)), ["a", "b", "c"])
    assert strip.n_images == 3 and strip.version == 1 and strip.array.shape == (3, 784)


def test_run_waits_for_a_slow_browser(app: InpaintingApp) -> None:
    """Flow control: with two frames sent but unpainted, a Run tick does not step."""
    view = app.chains_view
    view.set_state({"painted": view.version - 2})
    steps = app.chain.n_steps
    app._run_tick()
    assert app.chain.n_steps == steps
    view.set_state({"painted": view.version})
    app._run_tick()
    assert app.chain.n_steps == steps + 1
    view.set_state({"painted": 0})  # back to "no browser" for any later test
