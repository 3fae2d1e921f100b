"""The DAE-chain app in a real browser: sub-steps and Run/Pause on the 2-D tab, then MNIST."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import assert_no_error, wait_for_status

pytestmark = pytest.mark.browser

WRAP = ".explorer-particles"


def version(page) -> int:
    return int(page.eval_on_selector(WRAP, "w => w.dataset.version || '0'"))


def steps_shown(page) -> int:
    text = page.inner_text(".explorer-dae-numbers")
    return int(text.split("After")[1].split("step")[0])


def test_substeps_and_run_on_both_tabs(open_app) -> None:
    page = open_app("dae_chain")
    page.wait_for_selector("canvas.explorer-particles-canvas", state="visible", timeout=60_000)
    wait_for_status(page, "Ready", 60_000)
    for name in ("1 corrupt", "2 encode", "3 decode", "4 sample"):
        before = version(page)
        page.get_by_role("button", name="Next sub-step").click()
        wait_for_status(page, f"Did {name}", 15_000)
        page.wait_for_function(f"v => Number(document.querySelector('{WRAP}').dataset.version) > v",
                               arg=before, timeout=10_000)
        lit = page.locator(".explorer-dae-arrow-lit")
        assert lit.count() == 1
    assert steps_shown(page) == 1

    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "() => parseInt(document.querySelector('.explorer-dae-numbers').innerText"
        ".split('After')[1]) >= 10", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    time.sleep(1.5)
    painted = version(page)
    time.sleep(1.0)
    assert version(page) == painted, "the canvas kept changing after Pause"
    assert_no_error(page)

    page.get_by_role("tab", name="MNIST with clamping").click()
    wait_for_status(page, "figure 20.12", 15_000)
    for _ in range(4):
        page.get_by_role("button", name="Next sub-step").click()
        time.sleep(0.3)
    page.get_by_role("button", name="Run").click()
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.explorer-dae-states "
        ".explorer-digit-strip-caption')).some(c => /t = ([6-9]|\\d\\d)/.test(c.innerText))",
        timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    time.sleep(0.5)
    assert_no_error(page)
    assert not page.console_errors, page.console_errors
