"""The VAE manifold app driven headless: hover, click, draw, interpolate, retrain, collapse.

The app is built once on the shipped ``vae2d-mnist`` (the assertions compare what the widgets
show with the model's own methods); retraining runs on a few hundred digits to stay quick.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from explorer.models.vae import VAE, VAEConfig
from explorer.views.latent_widgets import ManifoldImage
from explorer.views.vae_manifold import (
    EDGE_Z,
    GRID_SIDE,
    N_PATH,
    T_ALPHA,
    T_DIGITS,
    T_ELLIPSE1,
    T_ELLIPSE2,
    T_MEAN,
    T_PINS,
    Throttle,
    VAEManifoldApp,
    binarize_drawing,
    build_vae_manifold_app,
    normal_cdf,
)
from explorer.weights import pretrained_dir

pytestmark = pytest.mark.skipif(
    not (pretrained_dir() / "vae2d-mnist.json").is_file(), reason="vae2d-mnist not trained here"
)


def points(x: float = 0.0, y: float = 0.0, index: int | None = None) -> SimpleNamespace:
    """What plotly passes to on_hover / on_click callbacks."""
    return SimpleNamespace(xs=[x], ys=[y], point_inds=[] if index is None else [index])


@pytest.fixture(scope="module")
def app() -> VAEManifoldApp:
    built = build_vae_manifold_app()
    assert built.status.kind == "ok", built.status.text
    return built


def decode(app: VAEManifoldApp, z) -> np.ndarray:
    with torch.no_grad():
        return app.model.decode(torch.tensor(np.asarray(z, np.float32).reshape(1, 2)))[0].numpy()


def strip_images(strip) -> np.ndarray:
    return strip.array


def test_root_widget_and_panels(app: VAEManifoldApp) -> None:
    assert {"explorer-app", "explorer-app-vae_manifold"} <= set(app._dom_classes)
    assert "vae2d-mnist" in app.header.value and "ELBO" in app.header.value
    assert len(app.fig.data) == T_MEAN + 1
    n_points = sum(len(app.fig.data[T_DIGITS + d].x) for d in range(10))
    assert n_points == len(app.test_images) == 1000
    # the manifold picture: GRID_SIDE × GRID_SIDE decoded digits of 28 × 28
    assert (app.manifold.height, app.manifold.width) == (28 * GRID_SIDE, 28 * GRID_SIDE)
    assert app.manifold.cells == GRID_SIDE
    corner = app.manifold.array[:28, :28].reshape(-1)  # top-left cell: smallest z1, largest z2
    assert np.abs(corner - decode(app, [-EDGE_Z, EDGE_Z])).max() <= 1 / 255 + 1e-4


def test_hover_decodes_the_point_under_the_cursor(app: VAEManifoldApp) -> None:
    app._on_plane_hover(None, points(0.8, -1.2), None)
    shown = strip_images(app.decoded_view)
    assert shown.shape == (1, 784)
    assert np.abs(shown[0] - decode(app, [0.8, -1.2])).max() <= 1 / 255 + 1e-6
    assert app.decoded_view.captions == ["z = (+0.80, −1.20)"]
    fx, fy = app.manifold.marker
    assert math.isclose(fx, normal_cdf(0.8), abs_tol=1e-6)
    assert math.isclose(fy, 1 - normal_cdf(-1.2), abs_tol=1e-6)
    # hovering a test dot decodes that digit's μ
    trace = app.fig.data[T_DIGITS + 4]
    app._on_digit_hover(trace, points(index=3), None)
    index = int(app.digit_rows[4][3])
    assert app.decoded_view.captions == [f"μ of test #{index} (a 4)"]
    assert np.abs(strip_images(app.decoded_view)[0] - decode(app, app.test_mu[index])).max() < 0.01
    # beyond the grid's outer cells the marker sits at the picture's edge (Φ(−4) ≈ 0)
    app._on_plane_hover(None, points(-4.0, 4.0), None)
    assert app.manifold.marker[0] < 0.001 and app.manifold.marker[1] < 0.001


def test_clicks_pin_digits_and_codes(app: VAEManifoldApp) -> None:
    app.clear_pins()
    assert app.pins == [] and "Pin two" in app.ends_label.value
    assert len(app.fig.data[T_PINS].x) == 0
    trace = app.fig.data[T_DIGITS + 7]
    app._on_digit_click(trace, points(index=0), None)
    app._on_plane_click(None, points(1.5, 0.25), None)
    assert [pin.source for pin in app.pins] == ["test", "z"]
    np.testing.assert_allclose(app.pins[1].z, [1.5, 0.25])
    assert tuple(app.fig.data[T_PINS].text) == ("A", "B")
    assert app.pins_view.n_images == 2 and app.pins_view.captions[0].startswith("A · test #")
    assert "<b>B</b> = z = (+1.50, +0.25)" in app.ends_label.value
    # a single pin is A on the plane and in the strip alike
    app.clear_pins()
    app._on_plane_click(None, points(3.0, 3.0), None)
    assert tuple(app.fig.data[T_PINS].text) == ("A",)
    assert app.pins_view.captions == ["A · z = (+3.00, +3.00)"]


def test_drawing_shows_q_ellipses_and_elbo(app: VAEManifoldApp) -> None:
    digit = app.test_images[11]
    # the browser sends a memoryview: the bytes trait must accept it (set_state, as a comm does)
    app.canvas.set_state({"pixels": memoryview((digit * 255).astype(np.uint8).tobytes())})
    drawn = app.drawn
    assert drawn is not None
    with torch.no_grad():
        mu, logvar = app.model.encode(torch.from_numpy(digit)[None])
    np.testing.assert_allclose(drawn["mu"], mu[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(drawn["sigma"], (0.5 * logvar[0]).exp().numpy(), rtol=1e-5)
    # the mean and the 1σ / 2σ ellipses on the plane
    assert tuple(app.fig.data[T_MEAN].x) == pytest.approx([drawn["mu"][0]])
    for trace_index, k in ((T_ELLIPSE1, 1.0), (T_ELLIPSE2, 2.0)):
        ex = np.asarray(app.fig.data[trace_index].x)
        ey = np.asarray(app.fig.data[trace_index].y)
        radius = ((ex - drawn["mu"][0]) / drawn["sigma"][0]) ** 2 + (
            (ey - drawn["mu"][1]) / drawn["sigma"][1]) ** 2
        np.testing.assert_allclose(radius, k**2, rtol=1e-3)
    # ELBO = reconstruction − KL, KL in closed form, IWAE above the ELBO
    assert math.isclose(drawn["elbo"], drawn["reconstruction"] - drawn["kl"], abs_tol=1e-4)
    mu0, s0 = drawn["mu"], drawn["sigma"]
    closed = 0.5 * float(np.sum(mu0**2 + s0**2 - 1 - 2 * np.log(s0)))
    assert math.isclose(drawn["kl"], closed, rel_tol=1e-3)
    assert drawn["iwae"] >= drawn["elbo"]
    assert "explorer-vae-mu" in app.readout.value and "ELBO" in app.readout.value
    assert app.reconstruction_view.n_images == 2

    # another stroke: everything follows
    before = drawn["mu"].copy()
    app.canvas.image = app.test_images[12]
    assert not np.allclose(app.drawn["mu"], before)
    assert tuple(app.fig.data[T_MEAN].x) == pytest.approx([app.drawn["mu"][0]])

    # the close-up: the same ellipses, scaled up to fill a window of μ ± 3 max σ
    svg = app.magnifier.value
    assert svg.count("<polyline") == 2 and 'stroke-dasharray' in svg
    half = max(3 * float(app.drawn["sigma"].max()), 0.05)
    assert f"μ ± {half:.2f}" in svg

    # a cleared canvas clears the plane
    app.clear_drawing()
    assert app.magnifier.value == ""
    assert app.drawn is None and len(app.fig.data[T_MEAN].x) == 0
    assert len(app.fig.data[T_ELLIPSE1].x) == 0 and "Draw a digit" in app.readout.value


def test_drawn_strokes_are_binarized() -> None:
    canvas = np.zeros(784, np.float32)
    canvas[10:20] = 1.0
    canvas[20:25] = 150 / 255  # the brush's soft edge
    x = binarize_drawing(canvas)
    assert x.sum() == 10 and set(np.unique(x)) == {0.0, 1.0}


def test_alpha_walks_both_lines(app: VAEManifoldApp) -> None:
    app.clear_pins()
    app.pin_test(int(app.digit_rows[9][0]))
    app.canvas.image = app.test_images[int(app.digit_rows[3][0])]
    app.pin_drawing()
    a, b = app.pins
    assert b.source == "drawing"
    # the two strips: 10 steps each, ends are the pins' decodes / pictures
    assert app.latent_path.n_images == N_PATH and app.pixel_path.n_images == N_PATH
    latent, pixel = strip_images(app.latent_path), strip_images(app.pixel_path)
    tol = 1 / 255 + 1e-6
    assert np.abs(latent[0] - decode(app, a.z)).max() <= tol
    assert np.abs(latent[-1] - decode(app, b.z)).max() <= tol
    assert np.abs(pixel[0] - a.image).max() <= tol and np.abs(pixel[-1] - b.image).max() <= tol
    for alpha in (0.0, 0.3, 0.74, 1.0):
        app.alpha.value = alpha
        pair = strip_images(app.pair_view)
        z_alpha = (1 - alpha) * a.z + alpha * b.z
        assert np.abs(pair[0] - decode(app, z_alpha)).max() <= tol
        assert np.abs(pair[1] - ((1 - alpha) * a.image + alpha * b.image)).max() <= tol
        assert app.pair_view.captions == [f"latent, α = {alpha:.2f}", f"pixel, α = {alpha:.2f}"]
        np.testing.assert_allclose(
            [app.fig.data[T_ALPHA].x[0], app.fig.data[T_ALPHA].y[0]], z_alpha, atol=1e-5)
    app.clear_drawing()


def test_missing_weights_say_how_to_make_them() -> None:
    missing = VAEManifoldApp(model_name="no-such-vae")
    assert missing.status.kind == "error"
    assert "explorer train no-such-vae" in missing.status.text
    assert not missing.built and missing.retrain in missing.children
    assert {"explorer-app", "explorer-app-vae_manifold"} <= set(missing._dom_classes)
    # a model trained in the panel can still be explored on the big plane
    panel = missing.retrain
    panel.train_images, panel.hidden, panel.epochs.value = panel._train_data()[:200], 16, 5
    panel.prepare()
    while panel.tick():
        pass
    panel._on_stop()
    panel.explore()
    assert missing.built and missing.fig in missing.children[3].children[0].children
    assert "retrained here" in missing.header.value and missing.status.kind == "ok"


def test_throttle_delivers_every_call_outside_a_loop() -> None:
    seen = []
    throttle = Throttle(seen.append, 10.0)
    for k in range(5):
        throttle(k)
    assert seen == [0, 1, 2, 3, 4]


def test_throttle_keeps_the_last_call_of_a_burst() -> None:
    import asyncio

    seen = []

    async def burst() -> None:
        throttle = Throttle(seen.append, 0.05)
        for k in range(20):
            throttle(k)
        await asyncio.sleep(0.2)

    asyncio.run(burst())
    assert seen[0] == 0 and seen[-1] == 19 and len(seen) <= 3


def test_manifold_image_validates() -> None:
    image = ManifoldImage()
    image.show(np.zeros((56, 84)), cells=3)
    assert (image.height, image.width, image.cells, image.version) == (56, 84, 3, 1)
    image.show_marker(2.0, 0.5)
    assert image.marker == []
    image.set_state({"image": memoryview(bytes(56 * 84))})
    assert len(image.image) == 56 * 84


# ------------------------------------------------------------------------------------------------
# retraining
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def panel(app: VAEManifoldApp):
    retrain = app.retrain
    retrain.train_images = retrain._train_data()[:300]  # a short run of a narrower VAE
    retrain.hidden = 64
    retrain.epochs.value = 5
    retrain.latent.value = 2
    retrain.beta.value = 1.0
    retrain.lr.value = 3e-3
    yield retrain
    retrain.stop()
    retrain.pacer.join()


def test_retrain_plots_both_terms_live(panel, app: VAEManifoldApp) -> None:
    panel.prepare()
    ticks = 0
    while panel.tick():
        ticks += 1
    panel._on_stop()
    assert panel.trainer.done and ticks >= 1
    history = panel.history
    assert len(history["epoch"]) == len(history["kl"]) >= 2
    assert list(panel.fig.data[0].y) == pytest.approx(history["reconstruction"])
    assert list(panel.fig.data[2].y) == pytest.approx(history["kl"])
    assert sum(len(panel.fig.data[3 + d].x) for d in range(10)) == 1000
    assert panel.manifold.width == 28 * 12 and "active latent dimensions" in panel.readout.value
    assert not panel.explore_button.disabled and panel.status.kind == "ok"
    # explore it on the big plane, then go back
    panel.explore()
    assert "retrained here" in app.header.value
    with torch.no_grad():
        mu, _ = panel.model.encode(torch.from_numpy(app.test_images))
    rows = app.digit_rows[0]
    np.testing.assert_allclose(app.fig.data[T_DIGITS].x, mu[rows, 0].numpy(), atol=1e-5)
    app.back_to_shipped()
    assert "vae2d-mnist" in app.header.value


def test_large_beta_collapses_the_posterior(panel) -> None:
    """β = 32 on a 5-D latent: the KL term falls to ~0 and every dimension goes inactive."""
    panel.latent.value = 5
    panel.beta.value = 32.0
    panel.epochs.value = 40
    panel.prepare()
    while panel.tick():
        pass
    panel._on_stop()
    active = int(panel.readout.value.split('data-active="')[1].split('"')[0])
    assert active == 0
    assert panel.history["kl"][-1] < 0.2
    # the test digits' codes pile up at the origin: the plane means nothing any more
    xs = np.concatenate([np.asarray(panel.fig.data[3 + d].x) for d in range(10)])
    assert float(np.sqrt(np.mean(xs**2))) < 0.3  # vs 1 under the prior
    assert panel.explore_button.disabled  # only a 2-D model can go on the big plane
    assert "Only a 2-D model" in panel.status.text and "most active" in panel.status.text
    assert "of 5" in panel.fig.layout.annotations[2].text


def test_stop_answers_between_chunks(panel) -> None:
    panel.epochs.value = 200
    panel.start()  # no event loop here: the Pacer runs in a thread
    assert panel.running and not panel.stop_button.disabled
    while not panel.history["epoch"]:
        panel.pacer.join(0.05)
    panel.stop()
    panel.pacer.join(10)
    assert not panel.running
    assert panel.trainer.epochs_done < 200
    assert panel.status.text.startswith("Stopped after")
    assert not panel.train_button.disabled


def test_settings_changed_during_a_run_are_said_to_wait(panel) -> None:
    panel.latent.value, panel.beta.value, panel.epochs.value = 2, 1.0, 200
    panel.start()
    try:
        panel.beta.value = 4.0
        assert "keeps its settings (β = 1" in panel.status.text
        assert panel.trainer.config.beta == 1.0
    finally:
        panel.stop()
        panel.pacer.join(10)
    panel.beta.value = 1.0
    assert panel.status.text.startswith("Stopped after")  # not running: no note


def test_a_runaway_run_is_stopped_as_diverged(panel) -> None:
    """β = 0 leaves the KL out of the loss: a huge KL is caught on its own, and the readout
    says the run diverged instead of showing absurd numbers."""
    panel.beta.value, panel.latent.value = 0.0, 2
    panel.prepare()
    with torch.no_grad():
        panel.model.encoder[-1].bias[:2] = 1e3  # μ ≈ 1000: KL ≈ 1e6 nats a digit
    panel.train_button.disabled = True
    panel.pacer.start()
    panel.pacer.join(10)
    assert panel.status.kind == "error" and "absurdly large" in panel.status.text
    assert "Diverged" in panel.readout.value and "nan" not in panel.readout.value
    panel.beta.value = 1.0


def test_divergence_is_a_friendly_message(panel) -> None:
    panel.prepare()
    with torch.no_grad():
        panel.model.encoder[0].weight.fill_(float("nan"))
    panel.train_button.disabled = True
    panel.pacer.start()
    panel.pacer.join(10)
    assert panel.status.kind == "error"
    assert "diverged" in panel.status.text and "Train" in panel.status.text
    assert not panel.train_button.disabled and panel.explore_button.disabled


def test_explore_refuses_a_wide_latent(app: VAEManifoldApp) -> None:
    from explorer.errors import ExplorerError

    with pytest.raises(ExplorerError, match="2-D"):
        app.explore_model(VAE(VAEConfig(hidden1=8, hidden2=0, latent=5)), "wide")
