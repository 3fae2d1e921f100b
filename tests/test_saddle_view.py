"""The saddle-point app driven headless: clicks on the plane, buttons, tabs, the factor table."""

from __future__ import annotations

import math
import time

import ipywidgets as widgets
import numpy as np
import pytest

from explorer.errors import ConfigError
from explorer.games import (
    LOSSES,
    METHOD_LABELS,
    METHODS,
    REGULARIZERS,
    UNDECIDED,
    growth_factor,
    make_field,
    simulate,
)
from explorer.views.saddle import (
    ACK_WAIT_S,
    COLOURS,
    MAX_IN_FLIGHT,
    SaddleApp,
    build_saddle_app,
    figure,
    panels,
    text,
)
from explorer.views.saddle.canvas import SaddleCanvas


@pytest.fixture(scope="module")
def app() -> SaddleApp:
    return build_saddle_app()


@pytest.fixture
def fresh() -> SaddleApp:
    app = build_saddle_app()
    app.fps = 500.0  # the animation's pacing is not under test here
    return app


def click(app: SaddleApp, a: float, b: float) -> None:
    """What the canvas sends when the plane is clicked: a custom message with (a, b)."""
    app._last_click = 0.0  # the throttle drops clicks closer than 0.15 s apart
    app.canvas._on_custom_msg(app.canvas, {"kind": "click", "a": a, "b": b}, [])


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def path(app: SaddleApp, method: str) -> np.ndarray:
    """The trajectory the canvas draws for ``method``: (n, 2) float32, empty when not ticked."""
    return app.canvas.path(method)


def test_builds_with_classes_buttons_and_one_canvas_and_no_plotly(app):
    import sys

    assert isinstance(app, widgets.Widget)
    assert {"explorer-app", "explorer-app-saddle_game"} <= set(app._dom_classes)
    canvases = [w for w in walk(app) if isinstance(w, SaddleCanvas)]
    assert canvases == [app.canvas]
    assert not any(type(w).__module__.startswith("plotly") for w in walk(app))
    if "plotly" not in sys.modules:  # (another test of this session may have imported it)
        assert not any(name.startswith("plotly") for name in sys.modules)
    for name in ("play", "pause", "step"):
        buttons = [w for w in walk(app) if f"explorer-btn-{name}" in getattr(w, "_dom_classes", ())]
        assert len(buttons) == 1 and buttons[0].description == name.capitalize()
    assert "explorer-factor-table" in app.table._dom_classes
    assert app.tabs.titles == ("Bilinear game v(a, b) = ab", "Dirac-GAN")
    assert app.status.kind == "ok"


def test_opens_with_full_trajectories_and_a_filled_table(app):
    assert app.t == app.steps
    assert app.canvas.methods == app.selected  # drawn, and named in the legend
    for m in app.selected:
        assert len(path(app, m)) > 10
    for m in METHODS:
        if m not in app.selected:
            assert len(path(app, m)) == 0
    for m in app.selected:
        assert METHOD_LABELS[m] in app.table.value
    # the legend's words and colours are the app's own
    c = app.canvas
    assert c.legend == text.LEGEND and c.colours == COLOURS
    assert all(c.labels[m] == METHOD_LABELS[m] for m in METHODS)
    assert c.norm_title == text.NORM_TITLE
    assert (c.x_title, c.y_title, c.plane_title) == text.PLANE_TITLES["bilinear"]


def test_click_sets_the_start_and_play_draws_every_trajectory(fresh):
    app = fresh
    click(app, 1.0, -0.5)
    assert app.starts["bilinear"] == (1.0, -0.5)
    assert app.t == 0
    assert app.canvas.start == [1.0, -0.5]  # the start marker, and the circle's radius
    assert "Start set to a = 1.00, b = -0.50" in app.status.text
    for m in app.selected:
        assert len(path(app, m)) == 1  # only the start is revealed
    assert np.allclose(app.canvas.head_points(), [1.0, -0.5])

    app.play_button.click()
    app.pacer.join(30)
    assert not app.pacer.running
    assert app.t == app.steps
    assert app.status.text.startswith("Done")
    lr = app.lr_slider.value
    heads = app.canvas.head_points()
    for i, m in enumerate(app.selected):
        xy = path(app, m)
        expected = simulate("bilinear", m, lr, app.steps, (1.0, -0.5), gamma=1.0, beta=-0.5)
        # the pushed line is the trajectory at a fixed stride, ending at the last row
        assert xy[-1, 0] == pytest.approx(expected[-1, 0], rel=1e-6, abs=1e-6)
        assert xy[0, 1] == pytest.approx(-0.5)
        if np.all(np.abs(expected[-1]) < 1e3):  # the head sits at the end of its line
            assert heads[i] == pytest.approx(xy[-1], rel=1e-6, abs=1e-6)
        norms = app.canvas.norm_curve(m)
        assert norms[-1, 0] == app.steps  # the norm curve reaches t = steps
        if m == "flow":  # the plane draws the flow from its own fine time grid (a curve)
            assert len(xy) >= len(norms)
            assert float(np.hypot(*xy[-1])) == pytest.approx(norms[-1, 1], rel=1e-5)
        else:
            assert len(norms) == len(xy)
    table = app.table.value
    for m in app.selected:
        assert METHOD_LABELS[m] in table
    rho = growth_factor("simgd", lr)
    assert f"{rho:.6f}" in table  # predicted and measured agree to the digits shown
    assert table.count(f"{rho:.6f}") == 2
    for word in ("diverges", "converges", "cycles"):
        assert word in table


def test_pause_answers_at_once_and_step_and_reset(fresh):
    app = fresh
    app.fps = 25.0  # a real pace, so that Pause lands mid-animation
    app.steps_slider.value = 2000
    app.reset_button.click()
    assert app.t == 0
    app.play_button.click()
    assert app.play_button.disabled
    app.pause_button.click()
    app.pacer.join(5)
    assert not app.pacer.running
    assert not app.play_button.disabled
    paused = app.t
    assert paused < app.steps
    app.step_button.click()
    assert app.t == paused + 1
    assert app.status.text == f"Step {paused + 1} of 2000."
    app.reset_button.click()
    assert app.t == 0


def test_unticking_a_method_hides_it_and_drops_its_row(fresh):
    app = fresh
    app.method_boxes["simgd"].value = False
    assert "simgd" not in app.canvas.methods and len(path(app, "simgd")) == 0
    assert len(app.canvas.pred_dots("simgd")) == 0
    assert len(app.canvas.pred_dots("altgd")) == 48  # altgd's closed form: ρ = 1, a flat line
    assert np.allclose(app.canvas.pred_dots("altgd")[:, 1], 1.0, rtol=1e-5)
    assert len(app.canvas.head_points()) == len(app.canvas.methods) == len(app.selected)
    assert METHOD_LABELS["simgd"] not in app.table.value
    app.method_boxes["momentum"].value = True
    assert "momentum" in app.canvas.methods and len(path(app, "momentum")) > 1
    assert METHOD_LABELS["momentum"] in app.table.value
    for m in METHODS:
        app.method_boxes[m].value = False
    assert "Tick at least one optimizer" in app.table.value
    app.play_button.click()
    assert app.status.kind == "error"


def test_divergent_runs_push_no_nan_or_huge_numbers(fresh):
    app = fresh
    app.lr_slider.value = 2.5
    for m in app.selected:
        xy = path(app, m).astype(float)
        assert np.all(np.isfinite(xy)) and np.all(np.abs(xy) <= 1e3)
        assert np.all(np.isfinite(app.canvas.norm_curve(m)[:, 0]))
    assert np.all(np.isfinite(app.canvas.head_points()))
    assert "&gt; 10⁶ at t =" in app.table.value
    assert app.status.kind != "error"


def test_arrays_travel_as_float32_bytes(app):
    c = app.canvas
    assert isinstance(c.traj, bytes) and len(c.traj) == 8 * sum(c.traj_counts)
    assert len(c.norm) == 8 * sum(c.norm_counts) and len(c.pred) == 8 * sum(c.pred_counts)
    assert path(app, app.selected[0]).dtype == np.float32


def test_bad_start_is_refused_with_a_message(fresh):
    app = fresh
    with pytest.raises(ConfigError):
        app.set_start(float("nan"), 0.0)
    with pytest.raises(ConfigError):
        app.set_start(10.0, 0.0)
    click(app, math.inf, 0.0)  # through the guarded click handler: a message, no exception
    assert app.status.kind == "error"
    assert "start" in app.status.text


def test_dirac_tab_shows_eigenvalues_and_what_they_predict(fresh):
    app = fresh
    app.tabs.selected_index = 1
    assert app.game == "dirac"
    assert app.canvas.x_title.startswith("θ") and app.canvas.y_title.startswith("ψ")
    assert app.canvas.plane_title == text.PLANE_TITLES["dirac"][2]
    assert "0.500i" in app.eigen_panel.value and "circles" in app.eigen_panel.value
    assert "local" in app.table.value
    click(app, 1.0, 1.0)
    assert app.starts["dirac"] == (1.0, 1.0) and app.starts["bilinear"] == (0.8, 0.6)
    assert "θ = 1.00, ψ = 1.00" in app.status.text

    app.reg_menu.value = "r1"
    assert "converges" in app.eigen_panel.value
    assert "-0.500" in app.eigen_panel.value  # λ = −γ/2 ± √(γ²/4 − 1/4) = −½ (double) at γ = 1
    assert "converges" in app.table.value

    app.reg_menu.value = "wgan-gp"
    assert "No Jacobian" in app.eigen_panel.value
    app.reg_menu.value = "none"
    app.loss_menu.value = "wgan"
    assert app.canvas.clip == 1.0  # the lines ψ = ±1
    assert "1.000i" in app.eigen_panel.value
    app.play_button.click()
    app.pacer.join(30)
    assert app.t == app.steps and app.status.kind != "error"

    app.tabs.selected_index = 0
    assert app.game == "bilinear"
    assert app.eigen_panel.value == ""
    assert app.canvas.x_title.startswith("a")


def test_every_method_and_regularizer_runs_without_error(fresh):
    app = fresh
    for m in METHODS:
        app.method_boxes[m].value = True
    app.tabs.selected_index = 1
    for loss in ("gan", "ns-gan", "wgan"):
        app.loss_menu.value = loss
        for reg in ("none", "r1", "wgan-gp", "noise"):
            app.reg_menu.value = reg
            assert app.status.kind != "error", app.status.text
            assert app.table.value.count("<tr>") == len(METHODS)


def test_animation_frames_send_only_the_moving_parts(fresh):
    """A frame sets only trajectories, heads and norms (+ version): the shading, level sets,
    arrows, titles and closed forms go out only when they change."""
    app = fresh
    sent = []
    animated = {"traj", "traj_counts", "norm", "norm_counts", "heads", "version"}
    static = [n for n in app.canvas.trait_names(sync=True)
              if n not in animated | {"painted", "_esm"} and not n.startswith("_")]
    app.canvas.observe(lambda change: sent.append(change["name"]), names=list(animated) + static)
    app.reset()
    sent.clear()
    app.step()
    assert "version" in sent and "traj" in sent and "heads" in sent
    assert set(sent) <= animated, set(sent) - animated
    before = app.canvas.version
    sent.clear()
    app.tabs.selected_index = 1  # a new game: the static layers change (the saturating
    assert {"shade", "x_title", "plane_title"} <= set(sent)  # GAN's arrows keep their directions
    sent.clear()
    app.reg_menu.value = "r1"  # a new field: new arrows
    assert "arrows" in sent
    assert app.canvas.version > before


def test_the_loop_waits_for_the_browser_to_paint(fresh):
    app = fresh
    app.reset()
    app._frontend = True  # as if a browser had acknowledged a frame before
    app._acked = app._sent
    app._last_frame_at = 0.0
    for _ in range(3):  # MAX_IN_FLIGHT frames go out without an answer …
        app._last_frame_at = 0.0
        assert app._tick()
    t = app.t
    app._last_frame_at = time.monotonic()
    app._tick()
    app._last_frame_at -= ACK_WAIT_S / 2  # … then nothing more until the browser has painted one
    app._tick()
    assert app.t == t
    app.canvas.painted = app.canvas.version  # what the browser sets after painting
    app._tick()
    assert app.t > t
    assert app.canvas.frames_behind() == 1


def test_lost_acknowledgements_do_not_slow_the_animation(fresh):
    """A page that paints nothing (reloaded, a background tab) never acknowledges: after
    ACK_WAIT_S the loop takes the missing acks as lost and goes on at full speed, not one frame
    per ACK_WAIT_S."""
    app = fresh
    app.reset()
    app._frontend = True
    app._acked = app._sent - MAX_IN_FLIGHT  # three frames never acknowledged
    app._last_frame_at = time.monotonic() - ACK_WAIT_S - 0.01
    t = app.t
    app._tick()
    assert app.t > t and app._sent - app._acked <= 1
    app._last_frame_at = 0.0  # the next frame is due: it goes out without waiting
    t = app.t
    app._tick()
    assert app.t > t


def test_frames_keep_to_the_timeline_whatever_the_loop_grain(fresh, monkeypatch):
    """The paced loop looks every ~10 ms; frames are due every 1/fps on a fixed timeline, so
    a coarse or jittery grain does not stretch every period (ticks every 11 ms used to send a
    frame every 44 ms: 22.7 frames/s instead of 25)."""
    import explorer.views.saddle.app as app_module

    app = fresh
    app.fps = 25.0
    app.steps_slider.value = 2000
    app.reset()
    clock = [1000.0]
    monkeypatch.setattr(app_module.time, "monotonic", lambda: clock[0])
    app._before_play()
    sent = app._sent
    while clock[0] < 1002.0:  # two seconds of ticks, 11 ms apart
        app._tick()
        clock[0] += 0.011
    frames = app._sent - sent
    assert 49 <= frames <= 51, frames
    clock[0] += 5.0  # a long stall (a busy machine): one frame, then the timeline restarts
    app._tick()
    app._tick()
    assert app._sent - sent == frames + 1


def test_a_click_snaps_to_the_grid_and_a_malformed_one_is_ignored(fresh):
    app = fresh
    click(app, 1.4703, -0.9612)
    assert app.starts["bilinear"] == (1.5, -1.0)
    assert "Start set to a = 1.50, b = -1.00" in app.status.text
    app.canvas._on_custom_msg(app.canvas, {"kind": "click", "a": "x"}, [])  # logged, ignored
    assert app.starts["bilinear"] == (1.5, -1.0) and app.status.kind == "ok"
    app.canvas._on_custom_msg(app.canvas, {"kind": "click", "a": 0.5, "b": 0.5}, [])
    assert app.starts["bilinear"] == (1.5, -1.0)  # within CLICK_GAP_S of the last: dropped
    assert figure.snap(3.04) == 3.0 and figure.snap(-7.0) == -3.0 and figure.snap(0.049) == 0.0


def test_the_notebook_is_thin_and_runs():
    import json
    from pathlib import Path

    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    path = Path(__file__).resolve().parents[1] / "apps" / "saddle_game.ipynb"
    cells = json.loads(path.read_text())["cells"]
    assert [c["cell_type"] for c in cells] == ["markdown", "code"]
    assert "".join(cells[1]["source"]) == (
        "from explorer.views.saddle import build_saddle_app\nbuild_saddle_app()"
    )
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute(cwd=str(path.parent))
    outputs = nb.cells[1]["outputs"]
    assert all(o["output_type"] != "error" for o in outputs)
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)


# -- what the app states must match what it computes (issue 14) ------------------------------


def test_predicted_verdicts_agree_with_the_runs_or_say_undecided(fresh):
    """For each game × loss × regularizer × method at the app's defaults, the table's predicted
    verdict is the measured one, or it is marked 'undecided by the linearisation' (never a
    'cycles' or 'diverges' next to a measured 'converges' without a word)."""
    app = fresh
    for m in METHODS:
        app.method_boxes[m].value = True
    cases = [("bilinear", None, None)]
    cases += [("dirac", loss, reg) for loss in LOSSES for reg in REGULARIZERS]
    checked = 0
    for game, loss, reg in cases:
        app.tabs.selected_index = 0 if game == "bilinear" else 1
        if game == "dirac":
            app.loss_menu.value, app.reg_menu.value = loss, reg
        assert set(app.runs) == set(METHODS)
        for m, run in app.runs.items():
            assert run.predicted_verdict in (run.measured_verdict, UNDECIDED), (game, loss, reg, m)
            checked += 1
        table = app.table.value
        assert "*" not in table.replace("<td>", "")  # no unexplained disagreement at defaults
        if any(r.predicted_verdict == UNDECIDED for r in app.runs.values()):
            assert "undecided by the linearisation" in table
    assert checked == len(METHODS) * (1 + len(LOSSES) * len(REGULARIZERS))


def test_a_disagreement_gets_a_word(fresh):
    app = fresh
    app.tabs.selected_index = 1
    run = next(iter(app.runs.values()))
    run.predicted_verdict, run.measured_verdict = "cycles", "converges"
    table = panels.table_html(app.runs, local=True)
    assert "converges</b>*" in table and "differs from the prediction" in table


def test_non_saturating_flow_is_said_to_spiral_in_and_does(fresh):
    app = fresh
    app.tabs.selected_index = 1
    app.loss_menu.value = "ns-gan"
    panel = app.eigen_panel.value
    assert "cannot decide" in panel and "spirals slowly <b>in</b>" in panel
    assert "same circles" not in text.DIRAC_TEXT.split("non-saturating")[1]
    flow = app.runs["flow"]
    assert flow.predicted_verdict == flow.measured_verdict == "converges"
    norms = flow.norms
    assert np.all(np.diff(norms) <= 1e-12) and norms[-1] < 0.5 * norms[0]
    assert f"{norms[-1]:.3f}" in panel  # the run's own numbers
    app.loss_menu.value = "gan"
    assert "<b>circles</b>" in app.eigen_panel.value
    assert app.runs["flow"].measured_verdict == "cycles"


@pytest.mark.parametrize("game", ["bilinear", "dirac"])
def test_arrows_point_where_the_simulated_flow_goes(game):
    """Each drawn arrow (tail → tip) points along the continuous flow the app simulates."""
    field = make_field(game)
    xs, ys = figure.arrow_segments(field, figure.PLANE)
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    n = 0
    for i in range(0, len(xs), 7):  # tail, tip, gap, barb, tip, barb, gap
        tail, tip = np.array([xs[i], ys[i]]), np.array([xs[i + 1], ys[i + 1]])
        mid = 0.5 * (tail + tip)
        moved = simulate(game, "flow", 1e-3, 1, tuple(mid))[1] - mid
        cos = np.dot(tip - tail, moved) / np.linalg.norm(tip - tail) / np.linalg.norm(moved)
        assert cos > 0.999, (mid, tip - tail, moved)
        n += 1
    assert n > 100
    assert "−F" in text.LEGEND["arrows"]
    assert "−F" in text.BILINEAR_TEXT and "where the flow goes" in text.BILINEAR_TEXT
    # "anticlockwise": from (1, 0) the flow moves up
    assert simulate("bilinear", "flow", 0.01, 1, (1.0, 0.0))[1, 1] > 0


def test_wgan_gp_does_not_clip_and_the_panel_says_which_is_shown(fresh):
    app = fresh
    app.tabs.selected_index = 1
    app.loss_menu.value = "wgan"
    assert app.canvas.clip == 1.0
    assert "clipped to [−1, 1]" in app.eigen_panel.value
    app.controls.clip_slider.value = 0.5
    assert app.canvas.clip == 0.5 and "clipped to [−0.5, 0.5]" in app.eigen_panel.value
    app.controls.clip_slider.value = 1.0
    app.reg_menu.value = "wgan-gp"
    assert app.canvas.clip == 0.0  # no clip lines
    assert "ψ is not clipped" in app.eigen_panel.value and "WGAN-GP" in app.eigen_panel.value
    psi = np.concatenate([run.traj[: run.n_finite, 1] for run in app.runs.values()])
    assert np.abs(psi).max() > 1.0 + 1e-3  # the penalty pushes ψ past the old clip


def test_extragradient_text_describes_a_full_look_ahead_step():
    why = text.WHY["extragradient"]
    assert "half" not in why and "full step of size η" in why
    eta, z = 0.3, np.array([0.8, 0.6])
    F = lambda v: np.array([v[1], -v[0]])  # noqa: E731 - the bilinear field
    look = z - eta * F(z)  # a full step …
    assert simulate("bilinear", "extragradient", eta, 1, tuple(z))[1] == pytest.approx(
        z - eta * F(look)
    )


def test_the_flow_is_drawn_as_a_curve_not_a_starburst(fresh):
    app = fresh
    app.steps_slider.value = 2000
    app.lr_slider.value = 2.5
    xy = path(app, "flow").astype(float)
    x, y = xy[:, 0], xy[:, 1]
    r = np.hypot(x, y)
    assert np.allclose(r, 1.0, atol=1e-4)  # on the flow's circle ‖z‖ = ‖(0.8, 0.6)‖
    turn = np.abs(np.angle(np.exp(1j * np.diff(np.arctan2(y, x)))))
    assert turn.max() <= 0.21  # a point every 0.2 rad at most (was 2.5 rad: a starburst)
    end = simulate("bilinear", "flow", 2.5, 2000, (0.8, 0.6))[app.t]
    assert (x[-1], y[-1]) == pytest.approx(tuple(end), abs=1e-5)


def test_the_shading_is_sent_once_per_field_and_is_red_above_blue_below(fresh):
    """The shading of v is a static layer: RGB bytes of figure.shading_rgb, sent with the
    field, not with animation frames (the browser test checks it stays through Play)."""
    app = fresh
    c = app.canvas
    rgb = figure.shading_rgb(make_field("bilinear"))
    n = rgb.shape[0]
    assert n == figure.SHADE and c.shade_n == n and c.shade == rgb.tobytes()
    assert 0 < c.shade_opacity == figure.SHADE_OPACITY
    top_right, top_left = rgb[0, -1].astype(int), rgb[0, 0].astype(int)
    assert top_right[0] > top_right[2] and top_left[2] > top_left[0]  # red: v > 0, blue: v < 0
    mid = rgb[n // 2, n // 2].astype(int)  # v = 0 at the saddle: (nearly) white
    assert mid.min() > 230
    arrows = np.frombuffer(c.arrows, np.float32).reshape(-1, 2)
    ax, ay = figure.arrow_segments(make_field("bilinear"), figure.PLANE)
    assert np.array_equal(arrows, np.stack([ax, ay], 1), equal_nan=True)
    before = c.shade
    app.step()
    assert c.shade == before
    app.tabs.selected_index = 1
    assert c.shade != before
    assert c.shade == figure.shading_rgb(make_field("dirac")).tobytes()
