"""The saddle-point app in a real browser: click the plane, Play, trajectories and factor table."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_no_error, relayout_loops, wait_for_status

pytestmark = pytest.mark.browser

PLANE_DRAG = ".js-plotly-plot .draglayer .xy .nsewdrag"  # plotly's input layer of subplot 1
STATUS = ".explorer-status"
STEP_COUNT = ".explorer-step-count"
TABLE = ".explorer-factor-table table"


def drawn_lines(page) -> int:
    """Line traces with a real path (more than a few points) in the plotly figure."""
    return page.eval_on_selector_all(
        ".js-plotly-plot .scatterlayer .trace path.js-line",
        "ps => ps.filter(p => (p.getAttribute('d') || '').split(/[LM]/).length > 20).length",
    )


def click_plane(page, a: float, b: float, half: float = 3.0) -> None:
    """Click the plane at (a, b): its axes span [−half, half] over the drag layer's box."""
    box = page.locator(PLANE_DRAG).bounding_box()
    x = box["x"] + box["width"] * (a + half) / (2 * half)
    y = box["y"] + box["height"] * (half - b) / (2 * half)
    page.mouse.click(x, y)


def test_click_plane_then_play_draws_trajectories_and_fills_the_table(open_app) -> None:
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE_DRAG, timeout=60_000)
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
    table = page.inner_text(TABLE)
    for word in ("continuous flow", "simultaneous GD", "diverges", "converges", "cycles"):
        assert word in table, table
    assert "Done" in page.inner_text(STATUS)
    assert_no_error(page)
    assert page.console_errors == []
    assert relayout_loops(page) == []


def test_pause_stops_the_animation(open_app) -> None:
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE_DRAG, timeout=60_000)
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


SHADING = """() => [...document.querySelectorAll('.js-plotly-plot .imagelayer image')]
  .filter(i => {
    const box = i.getBoundingClientRect();
    return (i.href && i.href.baseVal || '').startsWith('data:image/png') && box.width > 100;
  }).length"""


def test_shading_stays_through_play_and_reset_and_rapid_clicks(open_app) -> None:
    """The red/blue shading of v vanished during Play and after Reset (a redraw-false
    Plotly.animate drops every non-animated trace layer); now it is a layout image that stays,
    clicks on the plane still work after Reset, and rapid Play/Pause/Reset throws no JS error."""
    page = open_app("saddle_game")
    page.wait_for_selector(PLANE_DRAG, timeout=60_000)
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
