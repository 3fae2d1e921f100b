"""The saddle-point app in a real browser: click the plane, Play, trajectories and factor table.

The app draws on canvases (no plotly): what is painted is read back from the canvas pixels."""

from __future__ import annotations

import re

import pytest

from explorer.views.saddle import COLOURS
from tests.browser.conftest import assert_no_error, relayout_loops, wait_for_status

pytestmark = pytest.mark.browser

PLANE = ".explorer-saddle-plane-canvas"  # the (a, b) plane's canvas
NORMS = ".explorer-saddle-norms-canvas"
STATUS = ".explorer-status"
STEP_COUNT = ".explorer-step-count"
TABLE = ".explorer-factor-table table"

# Pixels of each colour inside a canvas' plot area (dataset.plot: left, top, side in CSS px).
COLOUR_PIXELS = """([selector, colours]) => {
  const c = document.querySelector(selector);
  const [l, t, s] = (document.querySelector('.explorer-saddle-plane-canvas').dataset.plot)
    .split(',').map(Number);
  const k = c.width / c.getBoundingClientRect().width;
  const d = c.getContext('2d').getImageData(l * k, t * k, s * k, s * k).data;
  const want = colours.map(h => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16)));
  const n = want.map(() => 0);
  for (let i = 0; i < d.length; i += 4)
    want.forEach((w, j) => { if (Math.abs(d[i] - w[0]) + Math.abs(d[i + 1] - w[1])
                                 + Math.abs(d[i + 2] - w[2]) <= 6) n[j]++; });
  return n;
}"""


def drawn_lines(page, selector: str = PLANE) -> int:
    """Methods whose colour covers more than 40 pixels of the plot area (a real path)."""
    counts = page.evaluate(COLOUR_PIXELS, [selector, list(COLOURS.values())])
    return sum(n > 40 for n in counts)


def click_plane(page, a: float, b: float, half: float = 3.0) -> None:
    """Click the plane at (a, b): its axes span [−half, half] over the plot area."""
    box = page.locator(PLANE).bounding_box()
    left, top, side = (float(v) for v in page.get_attribute(PLANE, "data-plot").split(","))
    x = box["x"] + left + side * (a + half) / (2 * half)
    y = box["y"] + top + side * (half - b) / (2 * half)
    page.mouse.click(x, y)


def paints(page) -> int:
    return int(page.get_attribute(".explorer-saddle-canvas", "data-paints") or 0)


def test_click_plane_then_play_draws_trajectories_and_fills_the_table(open_app) -> None:
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE, timeout=60_000)
    page.wait_for_selector(TABLE)
    assert "Ready" in page.inner_text(STATUS)

    # A click on the plane reaches the kernel's handler: the status line names the new start
    # and the animation rewinds to t = 0.
    click_plane(page, 1.5, -1.0)
    wait_for_status(page, "Start set to", 15_000)
    status = page.inner_text(STATUS)
    a, b = (float(v) for v in re.findall(r"= (-?\d+\.\d+)", status)[:2])
    assert abs(a - 1.5) < 0.1 and abs(b + 1.0) < 0.1, status
    page.wait_for_function(
        "() => document.querySelector('.explorer-step-count').innerText.includes('t = 0 /')",
        timeout=10_000,
    )

    page.locator(".explorer-btn-play").click()
    wait_for_status(page, "Done", 60_000)
    t, total = map(int, re.findall(r"\d+", page.inner_text(STEP_COUNT)))
    assert t == total == 300
    # five optimizers are ticked by default; flow and altgd stay on the plane, simgd leaves it
    assert drawn_lines(page) >= 5
    assert drawn_lines(page, NORMS) >= 5  # and each one's ‖z_t‖ on the log axis
    legend = page.inner_text(".explorer-saddle-legend")
    for word in ("arrows: −F, where the flow goes", "flow's circle", "continuous flow",
                 "extragradient", "start"):
        assert word in legend, legend
    titles = page.inner_text(".explorer-saddle-canvas")
    assert "click to set the start" in titles and "‖z_t‖ on a log scale" in titles
    table = page.inner_text(TABLE)
    for word in ("continuous flow", "simultaneous GD", "diverges", "converges", "cycles"):
        assert word in table, table
    assert "Done" in page.inner_text(STATUS)
    assert_no_error(page)
    assert page.console_errors == []
    assert relayout_loops(page) == []
    idle = paints(page)  # no repaint loop (a resize observer feeding itself) once idle
    page.wait_for_timeout(1000)
    assert paints(page) == idle


def test_legend_click_hides_a_method_and_hover_reads_out_a_start(open_app) -> None:
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE, timeout=60_000)
    page.wait_for_selector(TABLE)
    page.wait_for_timeout(500)
    red = [COLOURS["simgd"]]
    assert page.evaluate(COLOUR_PIXELS, [PLANE, red])[0] > 40
    page.locator(".explorer-saddle-legend-item[data-key=simgd]").click()
    page.wait_for_timeout(300)
    assert page.evaluate(COLOUR_PIXELS, [PLANE, red])[0] == 0
    assert page.evaluate(COLOUR_PIXELS, [NORMS, red])[0] == 0
    page.locator(".explorer-saddle-legend-item[data-key=simgd]").click()
    page.wait_for_timeout(300)
    assert page.evaluate(COLOUR_PIXELS, [PLANE, red])[0] > 40
    box = page.locator(PLANE).bounding_box()
    left, top, side = (float(v) for v in page.get_attribute(PLANE, "data-plot").split(","))
    page.mouse.move(box["x"] + left + side * 0.75, box["y"] + top + side * 0.25)  # (1.5, 1.5)
    page.wait_for_timeout(200)
    tip = page.inner_text(".explorer-saddle-plane .explorer-saddle-tip")
    assert "start here: (1.5, 1.5)" in tip
    assert_no_error(page)
    assert page.console_errors == []


def test_pause_stops_the_animation(open_app) -> None:
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE, timeout=60_000)
    page.locator(".explorer-btn-play").click()
    page.wait_for_function(
        "() => { const m = /t = (\\d+)/.exec(document.querySelector('.explorer-step-count')"
        ".innerText); return m && +m[1] > 0 && +m[1] < 300; }",
        timeout=30_000,
    )
    page.locator(".explorer-btn-pause").click()
    wait_for_status(page, "Paused", 10_000)
    counter = page.inner_text(STEP_COUNT)
    page.wait_for_timeout(800)
    assert page.inner_text(STEP_COUNT) == counter, "the animation kept running after Pause"
    page.locator(".explorer-btn-step").click()
    before = int(re.search(r"t = (\d+)", counter).group(1))
    page.wait_for_function(
        "() => document.querySelector('.explorer-step-count').innerText"
        f".includes('t = {before + 1} /')",
        timeout=10_000,
    )
    assert_no_error(page)


SHADING = """() => {
  // 1 when the plane shows v's shading: red (v > 0) near (2.5, 2.5), blue (v < 0) near
  // (−2.5, 2.5) — the median of R − B over a patch, so lines crossing it do not count.
  const c = document.querySelector('.explorer-saddle-plane-canvas');
  const [l, t, s] = c.dataset.plot.split(',').map(Number);
  const k = c.width / c.getBoundingClientRect().width;
  const tilt = (fx, fy) => {
    const d = c.getContext('2d').getImageData((l + fx * s) * k, (t + fy * s) * k, 12, 12).data;
    const v = [];
    for (let i = 0; i < d.length; i += 4) v.push(d[i] - d[i + 2]);
    v.sort((x, y) => x - y);
    return v[v.length >> 1];
  };
  return Number(tilt(0.9, 0.06) > 20 && tilt(0.06, 0.06) < -20);
}"""


def test_shading_stays_through_play_and_reset_and_rapid_clicks(open_app) -> None:
    """The red/blue shading of v once vanished during Play and after Reset (under plotly); on
    the canvas it is a static layer under every frame: it stays, clicks on the plane still work
    after Reset, and rapid Play/Pause/Reset throws no JS error."""
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE, timeout=60_000)
    page.wait_for_selector(TABLE)
    assert page.evaluate(SHADING) == 1
    page.locator(".explorer-btn-play").click()
    page.wait_for_function(
        "() => { const m = /t = (\\d+)/.exec(document.querySelector('.explorer-step-count')"
        ".innerText); return m && +m[1] > 20 && +m[1] < 300; }",
        timeout=30_000,
    )
    assert page.evaluate(SHADING) == 1, "the shading vanished during Play"
    wait_for_status(page, "Done", 60_000)
    assert page.evaluate(SHADING) == 1, "the shading vanished after Play"
    page.locator(".explorer-btn-reset").click()
    wait_for_status(page, "Back at the start", 10_000)
    page.wait_for_timeout(300)
    assert page.evaluate(SHADING) == 1, "the shading vanished after Reset"
    click_plane(page, -1.0, 2.0)
    wait_for_status(page, "Start set to a = -1.00, b = 2.00", 15_000)
    assert page.evaluate(SHADING) == 1
    for _ in range(8):  # interrupted animations
        page.locator(".explorer-btn-play").click()
        page.wait_for_timeout(120)
        page.locator(".explorer-btn-pause").click()
        page.wait_for_timeout(60)
        page.locator(".explorer-btn-reset").click()
        page.wait_for_timeout(60)
    page.wait_for_timeout(1000)
    assert page.evaluate(SHADING) == 1
    assert_no_error(page)
    assert page.console_errors == []


def test_the_page_loads_no_plotly(voila_server, browser) -> None:
    """No plotly on the saddle page: neither the FigureWidget bundle nor the jupyterlab-plotly
    labextension's own copy of plotly.js (4.8 MB, left out by ``explorer serve`` for every
    page) is requested; nor on the VAE page, also drawn on canvases."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(f"{voila_server}voila/render/saddle_game.ipynb", timeout=120_000)
    page.wait_for_selector(PLANE, timeout=60_000)
    page.wait_for_function("document.querySelector('.explorer-saddle-canvas').dataset.paints > 0",
                           timeout=30_000)
    assert any("anywidget" in u for u in urls)  # (the requests are seen)
    assert not [u for u in urls if "plotly" in u or "widgetbundle" in u]
    assert drawn_lines(page) >= 5
    urls.clear()
    page.goto(f"{voila_server}voila/render/vae_manifold.ipynb", timeout=120_000)
    page.wait_for_selector(".explorer-app", state="visible", timeout=120_000)
    assert any("anywidget" in u for u in urls)
    assert not [u for u in urls if "plotly" in u or "widgetbundle" in u]
    context.close()
