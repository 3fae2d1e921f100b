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
from explorer.games import METHOD_LABELS, METHODS, growth_factor, simulate
from explorer.views.saddle import (
    ACK_WAIT_S,
    COLOURS,
    MAX_IN_FLIGHT,
    SaddleApp,
    build_saddle_app,
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
