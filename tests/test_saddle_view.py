"""The saddle-point app driven headless: clicks on the plane, buttons, tabs, the factor table."""

from __future__ import annotations

import math
import time

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.callbacks import InputDeviceState, Points

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


@pytest.fixture(scope="module")
def app() -> SaddleApp:
    return build_saddle_app()


@pytest.fixture
def fresh() -> SaddleApp:
    app = build_saddle_app()
    app.fps = 500.0  # the animation's pacing is not under test here
    return app


def click(app: SaddleApp, a: float, b: float) -> None:
    """What plotly sends when the plane is clicked: a click on the heatmap trace."""
    heat = app.fig.data[app.T_HEAT]
    points = Points(point_inds=[0], xs=[a], ys=[b], trace_name=heat.name, trace_index=0)
    state = InputDeviceState(ctrl=False, alt=False, shift=False, meta=False, button=0, buttons=1)
    app._last_click = 0.0  # the throttle drops clicks closer than 0.15 s apart
    heat._dispatch_on_click(points, state)


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def trace_of(app: SaddleApp, method: str, base: int):
    return app.fig.data[base + METHODS.index(method)]


def test_builds_with_classes_buttons_and_one_figure(app):
    assert isinstance(app, widgets.Widget)
    assert {"explorer-app", "explorer-app-saddle_game"} <= set(app._dom_classes)
    figures = [w for w in walk(app) if isinstance(w, go.FigureWidget)]
    assert len(figures) == 1
    for name in ("play", "pause", "step"):
        buttons = [w for w in walk(app) if f"explorer-btn-{name}" in getattr(w, "_dom_classes", ())]
        assert len(buttons) == 1 and buttons[0].description == name.capitalize()
    assert "explorer-factor-table" in app.table._dom_classes
    assert app.tabs.titles == ("Bilinear game v(a, b) = ab", "Dirac-GAN")
    assert app.status.kind == "ok"


def test_opens_with_full_trajectories_and_a_filled_table(app):
    assert app.t == app.steps
    for m in app.selected:
        tr = trace_of(app, m, app.T_TRAJ)
        assert len(tr.x) > 10 and tr.visible
    for m in METHODS:
        if m not in app.selected:
            assert not trace_of(app, m, app.T_TRAJ).visible
    for m in app.selected:
        assert METHOD_LABELS[m] in app.table.value


def test_click_sets_the_start_and_play_draws_every_trajectory(fresh):
    app = fresh
    click(app, 1.0, -0.5)
    assert app.starts["bilinear"] == (1.0, -0.5)
    assert app.t == 0
    start = app.fig.data[app.T_START]
    assert (start.x[0], start.y[0]) == (1.0, -0.5)
    assert "Start set to a = 1.00, b = -0.50" in app.status.text
    for m in app.selected:
        assert len(trace_of(app, m, app.T_TRAJ).x) == 1  # only the start is revealed

    app.play_button.click()
    app.pacer.join(30)
    assert not app.pacer.running
    assert app.t == app.steps
    assert app.status.text.startswith("Done")
    lr = app.lr_slider.value
    for m in app.selected:
        tr = trace_of(app, m, app.T_TRAJ)
        expected = simulate("bilinear", m, lr, app.steps, (1.0, -0.5), gamma=1.0, beta=-0.5)
        # the pushed line is the trajectory at a fixed stride, ending at the last row
        assert tr.x[-1] == pytest.approx(expected[-1, 0], rel=1e-6, abs=1e-6)
        assert tr.y[0] == pytest.approx(-0.5)
        norms = trace_of(app, m, app.T_NORM)
        if m == "flow":  # the plane draws the flow from its own fine time grid (a curve)
            assert len(tr.x) >= len(norms.y)
            assert float(np.hypot(tr.x[-1], tr.y[-1])) == pytest.approx(norms.y[-1], rel=1e-5)
        else:
            assert len(norms.y) == len(tr.x)
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
    assert not trace_of(app, "simgd", app.T_TRAJ).visible
    assert COLOURS["simgd"] not in app.fig.data[app.T_PRED].marker.color
    assert COLOURS["altgd"] in app.fig.data[app.T_PRED].marker.color
    assert METHOD_LABELS["simgd"] not in app.table.value
    app.method_boxes["momentum"].value = True
    assert trace_of(app, "momentum", app.T_TRAJ).visible
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
        tr = trace_of(app, m, app.T_TRAJ)
        x, y = np.asarray(tr.x, dtype=float), np.asarray(tr.y, dtype=float)
        assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
        assert np.all(np.abs(x) <= 1e3) and np.all(np.abs(y) <= 1e3)
        nx = np.asarray(trace_of(app, m, app.T_NORM).x)
        assert np.all(np.isfinite(nx))
    assert "&gt; 10⁶ at t =" in app.table.value
    assert app.status.kind != "error"


def test_arrays_travel_as_float32(app):
    tr = trace_of(app, app.selected[0], app.T_TRAJ)
    assert np.asarray(tr.x).dtype == np.float32


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
    assert app.fig.layout.xaxis.title.text.startswith("θ")
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
    assert app.fig.data[app.T_CLIP].visible
    assert list(app.fig.data[app.T_CLIP].y[:2]) == [1.0, 1.0]
    assert "1.000i" in app.eigen_panel.value
    app.play_button.click()
    app.pacer.join(30)
    assert app.t == app.steps and app.status.kind != "error"

    app.tabs.selected_index = 0
    assert app.game == "bilinear"
    assert app.eigen_panel.value == ""
    assert app.fig.layout.xaxis.title.text.startswith("a")


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


def test_animation_frames_go_out_as_light_plotly_animate_messages(fresh):
    app = fresh
    sent = []
    app.fig.observe(lambda change: sent.append(change["new"]), names="_py2js_animate")
    app.reset()
    sent.clear()
    app.step()
    messages = [m for m in sent if m]
    assert len(messages) == 1
    msg = messages[0]
    assert msg["animation_opts"]["frame"]["redraw"] is False
    assert msg["animation_opts"]["transition"]["duration"] == 0
    for style in msg["style_data"]:
        assert set(style) <= {"x", "y"}


def test_the_loop_waits_for_the_browser_to_paint(fresh):
    app = fresh
    app.reset()
    app._frontend = True  # as if a browser had acknowledged a frame before
    app._acked_edit = app._sent_edit
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
    app._on_frame_painted({"new": {"trace_edit_id": app._sent_edit, "trace_deltas": []}})
    app._tick()
    assert app.t > t


def test_lost_acknowledgements_do_not_slow_the_animation(fresh):
    """An interrupted Plotly.animate never acknowledges its frame: after ACK_WAIT_S the loop
    takes the missing acks as lost and goes on at full speed, not one frame per ACK_WAIT_S."""
    app = fresh
    app.reset()
    app._frontend = True
    app._acked_edit = app._sent_edit - MAX_IN_FLIGHT  # three frames never acknowledged
    app._last_frame_at = time.monotonic() - ACK_WAIT_S - 0.01
    t = app.t
    app._tick()
    assert app.t > t and app._sent_edit - app._acked_edit <= 1
    app._last_frame_at = 0.0  # the next frame is due: it goes out without waiting
    t = app.t
    app._tick()
    assert app.t > t


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
    assert app.fig.data[app.T_CLIP].visible
    assert "clipped to [−1, 1]" in app.eigen_panel.value
    app.reg_menu.value = "wgan-gp"
    assert not app.fig.data[app.T_CLIP].visible
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
    tr = app.fig.data[app.T_TRAJ + METHODS.index("flow")]
    x, y = np.asarray(tr.x, float), np.asarray(tr.y, float)
    r = np.hypot(x, y)
    assert np.allclose(r, 1.0, atol=1e-4)  # on the flow's circle ‖z‖ = ‖(0.8, 0.6)‖
    turn = np.abs(np.angle(np.exp(1j * np.diff(np.arctan2(y, x)))))
    assert turn.max() <= 0.21  # a point every 0.2 rad at most (was 2.5 rad: a starburst)
    end = simulate("bilinear", "flow", 2.5, 2000, (0.8, 0.6))[app.t]
    assert (x[-1], y[-1]) == pytest.approx(tuple(end), abs=1e-5)


def test_the_shading_is_not_a_trace_an_animation_frame_drops(fresh):
    """plotly.js removes every non-animated trace layer on a redraw-false animation frame: the
    shading of v is a layout image (kept), the heatmap only catches clicks (transparent)."""
    app = fresh
    assert len(app.fig.layout.images) == 1
    image = app.fig.layout.images[0]
    assert image.source.startswith("data:image/png;base64,") and image.opacity > 0
    assert {c[1] for c in app.fig.data[app.T_HEAT].colorscale} == {"rgba(0,0,0,0)"}
    rgb = figure.shading_rgb(make_field("bilinear"))
    n = rgb.shape[0]
    top_right, top_left = rgb[0, -1].astype(int), rgb[0, 0].astype(int)
    assert top_right[0] > top_right[2] and top_left[2] > top_left[0]  # red: v > 0, blue: v < 0
    before = image.source
    app.tabs.selected_index = 1
    assert app.fig.layout.images[0].source != before
    assert n == figure.SHADE
