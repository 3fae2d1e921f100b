"""The inpainting app in a real browser: drag on the canvas, Step, Run/Pause."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import assert_no_error

pytestmark = pytest.mark.browser

STRIP_IMAGES = ".explorer-chains canvas.explorer-digit-strip-image"


def chain_pictures(page) -> list[str]:
    return page.eval_on_selector_all(STRIP_IMAGES, "cs => cs.map(c => c.toDataURL())")


def sweeps(page) -> int:
    text = page.inner_text(".explorer-step-count")
    return int(text.split(":")[1])


def test_drag_step_run_pause(open_app) -> None:
    page = open_app("inpainting")
    page.wait_for_selector(STRIP_IMAGES)
    assert len(chain_pictures(page)) == 8
    assert page.locator("link[rel=modulepreload]").count() == 0  # no plotly here: no 5 MB
    captions = page.locator(".explorer-digit-strip-caption").all_inner_texts()
    # sweep 0: the free pixels are coin flips, so no classifier reading is shown yet
    assert all(c.startswith("chain") and "%" not in c for c in captions), captions

    # Draw a stroke across the (free) left half: the buffer syncs on mouse-up, chains restart.
    canvas = page.locator("canvas.explorer-digit-canvas")
    box = canvas.bounding_box()
    before_drag = chain_pictures(page)
    page.mouse.move(box["x"] + 40, box["y"] + 60)
    page.mouse.down()
    for k in range(12):
        page.mouse.move(box["x"] + 40 + 8 * k, box["y"] + 60 + 12 * k)
    page.mouse.up()
    page.wait_for_function(
        "([sel, old]) => Array.from(document.querySelectorAll(sel)).some("
        "(c, i) => c.toDataURL() !== old[i])",
        arg=[STRIP_IMAGES, before_drag], timeout=10_000,
    )
    # the ink landed on free pixels, which the chains resample: the status says so
    page.wait_for_function(
        "() => document.querySelector('.explorer-status').innerText.includes('are free')",
        timeout=10_000,
    )

    # One Gibbs sweep: the counter says 1 and the chain pictures change.
    before_step = chain_pictures(page)
    page.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "() => document.querySelector('.explorer-step-count').innerText.includes('1')",
        timeout=10_000,
    )
    assert sweeps(page) == 1
    assert chain_pictures(page) != before_step
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.explorer-digit-strip-caption'))"
        ".every(c => c.innerText.includes('%'))",
        timeout=10_000,
    )

    # Run animates; Pause stops it promptly.
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.explorer-step-count').innerText.split(':')[1])"
        " >= 10",
        timeout=20_000,
    )
    page.get_by_role("button", name="Pause").click()
    time.sleep(1.0)
    paused_at = sweeps(page)
    time.sleep(1.0)
    assert sweeps(page) == paused_at, "the chain kept running after Pause"
    assert paused_at >= 10
    assert_no_error(page)
    assert page.console_errors == []


def test_index_links_every_app(open_app) -> None:
    page = open_app("index")
    links = page.locator("a.explorer-app-card")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "inpainting.ipynb" in hrefs
    assert_no_error(page)
