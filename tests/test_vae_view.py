"""The VAE manifold app driven headless: hover, click, draw, interpolate, retrain, collapse.

The app is built once on the shipped ``vae2d-mnist`` (the assertions compare what the widgets
show with the model's own methods); retraining runs on a few hundred digits to stay quick.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from explorer.models.vae import VAE, VAEConfig, prior_cdf
from explorer.views.charts import PALETTE, xy_chart_svg
from explorer.views.latent_widgets import ManifoldImage
from explorer.views.vae.drawing import binarize_drawing
from explorer.views.vae.pins import N_PATH
from explorer.views.vae.plane import (
    EDGE_Z,
    GRID_SIDE,
    PLANE,
    PRIOR_GRID,
    Throttle,
    nearest_dot,
    pick_radius,
)
from explorer.views.vae.retrain import KL_TITLE, RECONSTRUCTION_TITLE
from explorer.views.vae_manifold import VAEManifoldApp, build_vae_manifold_app
from explorer.weights import pretrained_dir

pytestmark = pytest.mark.skipif(
    not (pretrained_dir() / "vae2d-mnist.json").is_file(), reason="vae2d-mnist not trained here"
)


PLOT_PX = 520.0  # the plane's data area on the page is 520 screen pixels wide


def pointer(app: VAEManifoldApp, kind: str, z1: float, z2: float) -> None:
    """What the page's plane sends for a hover or click at z: fractions of the data area."""
    app.plane.receive({"kind": kind, "fx": (z1 + PLANE) / (2 * PLANE),
                       "fy": (PLANE - z2) / (2 * PLANE), "width_px": PLOT_PX,
                       "height_px": PLOT_PX})


def click(app: VAEManifoldApp, z1: float, z2: float) -> None:
    pointer(app, "click", z1, z2)


def hover(app: VAEManifoldApp, z1: float, z2: float) -> None:
    pointer(app, "hover", z1, z2)


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
    # the plane draws every test μ in its label's colour, over the prior's shading
    plane = app.plane
    assert len(plane.points_array) == len(app.test_images) == 1000
    np.testing.assert_allclose(plane.points_array, app.test_mu, atol=1e-6)
    np.testing.assert_array_equal(plane.labels_array, app.test_labels)
    assert plane.colours == list(PALETTE) and plane.legend_title == "label"
    assert plane.interactive and plane.extent == PLANE and plane.square == pytest.approx(EDGE_Z)
    shade = np.frombuffer(plane.shade, np.uint8).reshape(PRIOR_GRID, PRIOR_GRID)
    grid = np.linspace(-PLANE, PLANE, PRIOR_GRID)
    prior = np.exp(-0.5 * (grid[None, :] ** 2 + grid[:, None] ** 2))  # N(0, I) / its peak
    assert np.abs(shade / 255 - prior).max() <= 0.5 / 255 + 1e-6
    # the manifold picture: GRID_SIDE × GRID_SIDE decoded digits of 28 × 28
    assert (app.manifold.height, app.manifold.width) == (28 * GRID_SIDE, 28 * GRID_SIDE)
    assert app.manifold.cells == GRID_SIDE
    corner = app.manifold.array[:28, :28].reshape(-1)  # top-left cell: smallest z1, largest z2
    assert np.abs(corner - decode(app, [-EDGE_Z, EDGE_Z])).max() <= 1 / 255 + 1e-4


def test_hover_decodes_the_point_under_the_cursor(app: VAEManifoldApp) -> None:
    # empty plane (no test dot within 6 px): z under the cursor, on the prior's 0.05 grid
    assert nearest_dot(app.test_mu, np.array([2.512, -2.487]), pick_radius(PLOT_PX)) is None
    hover(app, 2.512, -2.487)
    shown = strip_images(app.decoded_view)
    assert shown.shape == (1, 784)
    assert np.abs(shown[0] - decode(app, [2.5, -2.5])).max() <= 1 / 255 + 1e-6
    assert app.decoded_view.captions == ["z = (+2.50, −2.50)"]
    fx, fy = app.manifold.marker
    assert math.isclose(fx, float(prior_cdf(2.5)), abs_tol=1e-6)
    assert math.isclose(fy, 1 - float(prior_cdf(-2.5)), abs_tol=1e-6)
    # hovering a test dot decodes that digit's μ
    index = int(app.digit_rows[4][3])
    hover(app, *app.test_mu[index])
    assert app.decoded_view.captions == [f"μ of test #{index} (a 4)"]
    assert np.abs(strip_images(app.decoded_view)[0] - decode(app, app.test_mu[index])).max() < 0.01
    # 4 px beside a dot still picks it; 8 px away (nothing else near) does not
    lone = next(i for i in range(1000) if nearest_dot(
        np.delete(app.test_mu, i, 0), app.test_mu[i], 3 * pick_radius(PLOT_PX)) is None)
    step = 2 * PLANE / PLOT_PX  # one screen pixel in plane units
    hover(app, app.test_mu[lone][0] + 4 * step, app.test_mu[lone][1])
    assert app.decoded_view.captions[0].startswith(f"μ of test #{lone} ")
    hover(app, app.test_mu[lone][0] + 8 * step, app.test_mu[lone][1])
    assert app.decoded_view.captions[0].startswith("z = (")
    # beyond the grid's outer cells the marker sits at the picture's edge (Φ(−4) ≈ 0)
    hover(app, -4.0, 4.0)
    assert app.manifold.marker[0] < 0.001 and app.manifold.marker[1] < 0.001


def test_a_malformed_hover_message_is_ignored(app: VAEManifoldApp) -> None:
    before = list(app.decoded_view.captions)
    app.plane._on_custom_msg(app.plane, {"kind": "hover", "fx": "left"}, [])  # logged only
    assert app.decoded_view.captions == before and app.status.kind != "error"


def test_clicks_pin_digits_and_codes(app: VAEManifoldApp) -> None:
    app.clear_pins()
    assert app.pins == [] and "Pin two" in app.ends_label.value
    assert len(app.plane.pins_array) == 0 and app.plane.pin_letters == []
    dot = app.test_mu[app.digit_rows[7][0]]
    click(app, float(dot[0]), float(dot[1]))  # right on a test dot: that digit
    click(app, 1.5, 0.25)  # empty plane: the code itself
    assert [pin.source for pin in app.pins] == ["test", "z"]
    np.testing.assert_allclose(app.pins[1].z, [1.5, 0.25])
    assert app.plane.pin_letters == ["A", "B"]
    np.testing.assert_allclose(app.plane.pins_array, [pin.z for pin in app.pins], atol=1e-6)
    assert app.pins_view.n_images == 2 and app.pins_view.captions[0].startswith("A · test #")
    assert "<b>B</b> = z = (+1.50, +0.25)" in app.ends_label.value
    # a single pin is A on the plane and in the strip alike
    app.clear_pins()
    click(app, 3.0, 3.0)
    assert app.plane.pin_letters == ["A"]
    np.testing.assert_allclose(app.plane.pins_array, [[3.0, 3.0]], atol=1e-6)
    assert app.pins_view.captions == ["A · z = (+3.00, +3.00)"]


def test_drawing_shows_q_ellipses_and_elbo(app: VAEManifoldApp) -> None:
    digit = app.test_images[11]
    # the browser sends a memoryview: the bytes trait must accept it (set_state, as a comm does)
    app.canvas.set_state({"pixels": memoryview((digit * 255).astype(np.uint8).tobytes())})
    drawn = app.drawn
    assert drawn is not None
    with torch.no_grad():
        mu, logvar = app.model.encode(torch.from_numpy(digit)[None])
    np.testing.assert_allclose(drawn.mu, mu[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(drawn.sigma, (0.5 * logvar[0]).exp().numpy(), rtol=1e-5)
    # the mean and the 1σ / 2σ ellipses on the plane
    assert app.plane.cross == pytest.approx(list(drawn.mu))
    assert app.plane.contour_dashes == [True, False]  # 2σ dotted, then 1σ solid
    for contour, k in ((1, 1.0), (0, 2.0)):
        ex, ey = app.plane.contours_array[contour].T
        radius = ((ex - drawn.mu[0]) / drawn.sigma[0]) ** 2 + (
            (ey - drawn.mu[1]) / drawn.sigma[1]) ** 2
        np.testing.assert_allclose(radius, k**2, rtol=1e-3)
    # ELBO = reconstruction − KL, KL in closed form, IWAE above the ELBO
    b = drawn.bounds
    assert math.isclose(b.elbo.value, b.reconstruction.value - b.kl, abs_tol=1e-4)
    mu0, s0 = drawn.mu, drawn.sigma
    closed = 0.5 * float(np.sum(mu0**2 + s0**2 - 1 - 2 * np.log(s0)))
    assert math.isclose(b.kl, closed, rel_tol=1e-3)
    assert b.iwae.value >= b.elbo.value
    assert "explorer-vae-mu" in app.readout.value and "ELBO" in app.readout.value
    assert app.reconstruction_view.n_images == 2

    # another stroke: everything follows
    before = drawn.mu.copy()
    app.canvas.image = app.test_images[12]
    assert not np.allclose(app.drawn.mu, before)
    assert app.plane.cross == pytest.approx(list(app.drawn.mu))

    # the close-up: the same ellipses, scaled up to fill a window of μ ± 3 max σ
    svg = app.magnifier.value
    assert svg.count("<polyline") == 2 and 'stroke-dasharray' in svg
    half = max(3 * float(app.drawn.sigma.max()), 0.05)
    assert f"μ ± {half:.2f}" in svg

    # a cleared canvas clears the plane
    app.clear_drawing()
    assert app.magnifier.value == ""
    assert app.drawn is None and app.plane.cross == []
    assert len(app.plane.contours_array) == 0 and "Draw a digit" in app.readout.value


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
        np.testing.assert_allclose(app.plane.marker, z_alpha, atol=1e-5)
        np.testing.assert_allclose(app.plane.segment, [*a.z, *b.z], atol=1e-6)
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
    assert missing.built and missing.plane in missing.children[3].children[0].children
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
    # the curves are the history: one point per record, drawn by the chart helper from it
    for chart, key, title in ((panel.reconstruction_chart, "reconstruction", RECONSTRUCTION_TITLE),
                              (panel.kl_chart, "kl", KL_TITLE)):
        line = chart.value.split('<polyline')[1].split('points="')[1].split('"')[0]
        assert len(line.split()) == len(history[key]) and title in chart.value
    width, height = 330, 230
    assert panel.kl_chart.value == xy_chart_svg(
        np.asarray(history["epoch"]), [(np.asarray(history["kl"]), "#d62728")], KL_TITLE,
        "epoch", width, height, y_from_zero=True)
    assert "z ignored" in panel.reconstruction_chart.value
    assert len(panel.plane.points_array) == 1000
    assert panel.manifold.width == 28 * 12 and "active latent dimensions" in panel.readout.value
    assert not panel.explore_button.disabled and panel.status.kind == "ok"
    # explore it on the big plane, then go back
    panel.explore()
    assert "retrained here" in app.header.value
    with torch.no_grad():
        mu, _ = panel.model.encode(torch.from_numpy(app.test_images))
    rows = app.digit_rows[0]
    np.testing.assert_allclose(app.plane.points_array[rows, 0], mu[rows, 0].numpy(), atol=1e-5)
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
    # Burda et al.'s criterion (Cov_x of μ_j > 0.01) is sharp: a unit nearly off (KL 0.02 nats)
    # may still pass it on 300 digits, so at most one of five; by KL every one is off
    assert active <= 1
    kl_dims = [float(v) for v in panel.readout.value.split("test KL per dimension: ")[1]
               .split("<br>")[0].split()]
    assert len(kl_dims) == 5 and max(kl_dims) < 0.1
    assert panel.history["kl"][-1] < 0.2
    # the test digits' codes pile up at the origin: the plane means nothing any more
    xs = panel.plane.points_array[:, 0]
    assert float(np.sqrt(np.mean(xs**2))) < 0.3  # vs 1 under the prior
    assert panel.explore_button.disabled  # only a 2-D model can go on the big plane
    assert "Only a 2-D model" in panel.status.text and "most active" in panel.status.text
    assert "of 5" in panel.plane.title
    dims = panel.dims
    assert (panel.plane.x_label, panel.plane.y_label) == (f"z{dims[0] + 1}", f"z{dims[1] + 1}")


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


# ------------------------------------------------------------------------------------------------
# issue 14: clicks pin the clicked point; a loaded test digit pins as itself; bounds and words agree
# ------------------------------------------------------------------------------------------------


def test_a_click_pins_the_clicked_point_not_the_hovered_one(app: VAEManifoldApp) -> None:
    """Plotly's click carried the last hovered point, so a click right after a move pinned the
    previous place. The click now carries its own position: hover one corner, click far away."""
    app.clear_pins()
    hover(app, -3.9, 3.9)  # the cursor was last seen top-left
    far = app.test_mu[app.digit_rows[1][2]]
    click(app, float(far[0]), float(far[1]))
    assert app.pins[-1].source == "test"
    np.testing.assert_allclose(app.pins[-1].z, far, atol=1e-6)
    assert not np.allclose(app.pins[-1].z, [-3.9, 3.9], atol=0.5)
    # then the centre of the plane, without any hover in between: the pin is there, not at `far`
    click(app, 0.02, -0.03)
    pin = app.pins[-1]
    if pin.source == "z":
        np.testing.assert_allclose(pin.z, [0.02, -0.03], atol=1e-6)
    else:  # a test dot within the pick radius (6 px) of the centre
        assert np.hypot(*(pin.z - np.array([0.02, -0.03]))) <= 6 * 2 * PLANE / PLOT_PX + 1e-6


def test_a_first_tap_pins_without_any_hover() -> None:
    """On a touch screen there is no hover before the first tap: it must still pin."""
    fresh = VAEManifoldApp()
    fresh.clear_pins()
    assert fresh.hovered_z is not None and np.allclose(fresh.hovered_z, 0)  # nothing hovered yet
    click(fresh, 2.5, -2.5)
    assert len(fresh.pins) == 1 and fresh.pins[0].source == "z"
    np.testing.assert_allclose(fresh.pins[0].z, [2.5, -2.5], atol=1e-6)


def test_a_bad_click_message_is_a_friendly_error(app: VAEManifoldApp) -> None:
    from explorer.errors import ConfigError

    with pytest.raises(ConfigError, match="click message"):
        app.plane.receive({"kind": "click", "fx": 0.5})


def test_a_pinned_random_test_digit_is_labelled_as_that_digit(app: VAEManifoldApp) -> None:
    app.clear_pins()
    app.load_test_digit(None)
    index = app.loaded_index
    app.pin_drawing()
    assert app.pins[-1].label == f"test #{index} (a {app.test_labels[index]})"
    assert app.pins[-1].source == "test" and "drawing" not in app.pins_view.captions[-1]
    # drawn over, it is a drawing again
    changed = app.test_images[index].copy()
    changed[:28] = 1.0
    app.canvas.image = changed
    app.pin_drawing()
    assert app.pins[-1].label == "drawing 1" and app.pins[-1].source == "drawing"
    app.clear_drawing()


def _attr(html_text: str, name: str) -> float:
    return float(html_text.split(f'{name}="')[1].split('"')[0])


@pytest.mark.parametrize("index", [0, 3, 11, 42])
def test_the_shown_bounds_and_their_sentence_agree(app: VAEManifoldApp, index: int) -> None:
    """The readout's ELBO and IWAE_k, their standard errors, the exact log p(x) and the sentence
    that orders them all say the same thing."""
    from explorer.views.vae.drawing import ORDER_SIGMAS

    app.load_test_digit(index)
    readout = app.readout.value
    elbo_part = readout.split('class="explorer-vae-elbo"')[1]
    iwae_part = readout.split('class="explorer-vae-iwae"')[1]
    elbo, elbo_se = _attr(elbo_part, "data-elbo"), _attr(elbo_part, "data-se")
    iwae, iwae_se = _attr(iwae_part, "data-iwae"), _attr(iwae_part, "data-se")
    assert 0 < elbo_se < 5 and 0 <= iwae_se < 5
    sentence = readout.split('class="explorer-vae-order">')[1].split("</span>")[0]
    gap = iwae - elbo
    error = math.hypot(elbo_se, iwae_se)
    assert "in expectation" in sentence
    if gap > ORDER_SIGMAS * error:
        assert "is above the ELBO" in sentence
    elif gap < -ORDER_SIGMAS * error:
        assert "is below the ELBO" in sentence
    else:
        assert "cannot order them" in sentence
    # the numbers shown in the text are the ones in the data attributes
    assert f"{abs(elbo):.2f}" in elbo_part and f"{elbo_se:.2f}" in elbo_part
    # the exact log p(x) is above both bounds, up to their Monte Carlo error
    log_px = _attr(readout, "data-logpx")
    assert elbo < log_px + 3 * elbo_se and iwae < log_px + 3 * iwae_se + 0.05
    assert _attr(readout, "data-gap") == pytest.approx(log_px - elbo, abs=1e-3)
    app.clear_drawing()


def test_test_digit_zero_shows_that_q_misses_the_mode(app: VAEManifoldApp) -> None:
    app.load_test_digit(0)
    drawn = app.drawn
    assert drawn.log_px == pytest.approx(-253.0, abs=0.5)
    assert drawn.mode_distance > 10
    assert "misses the posterior's mode" in app.readout.value
    np.testing.assert_allclose(drawn.mode, [-1.09, 1.39], atol=0.03)
    shown = f"({drawn.mode[0]:+.2f}, {drawn.mode[1]:+.2f})".replace("-", "−")
    assert f"peaks at {shown}" in app.readout.value
    app.load_test_digit(3)  # a digit whose q sits on the mode says so
    assert app.drawn.mode_distance < 3 and "sits on its mode" in app.readout.value
    app.clear_drawing()


def test_retraining_leaves_no_global_state(panel) -> None:
    """The panel seeds its own generator and scopes torch's thread count: the global RNG and the
    thread count are as they were."""
    threads = torch.get_num_threads()
    state = torch.get_rng_state()
    panel.epochs.value = 5
    panel.prepare()
    first = [p.detach().clone() for p in panel.model.parameters()]
    while panel.tick():
        pass
    panel._on_stop()
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.get_rng_state(), state)
    # and the run is reproducible from its own seed: the same run number, the same start
    panel.runs -= 1
    panel.prepare()
    for a, b in zip(first, panel.model.parameters(), strict=True):
        torch.testing.assert_close(a, b)
