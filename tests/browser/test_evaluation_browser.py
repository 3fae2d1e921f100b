"""The evaluation app in a real browser: it opens with no error, shows samples beside their
neighbours, the tables and the AIS chart, and its buttons redraw."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_error, wait_for_status

pytestmark = pytest.mark.browser

SAMPLES = ".explorer-samples-dga2-mnist canvas.explorer-digit-strip-image"


def pictures(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "cs => cs.map(c => c.toDataURL())")


def test_opens_and_redraws(open_app) -> None:
    page = open_app("evaluation")
    page.wait_for_selector(SAMPLES, timeout=60_000)
    wait_for_status(page, "Ready", 30_000)
    assert_no_error(page)
    assert len(pictures(page, SAMPLES)) == 12
    captions = page.locator(".explorer-samples-dga2-mnist .explorer-digit-strip-caption")
    assert any(c.startswith("nearest:") for c in captions.all_inner_texts())
    assert page.locator(".explorer-likelihood-table").count() == 1
    assert page.locator(".explorer-ais-chart svg polyline").count() >= 1
    assert page.locator(".explorer-table1").count() >= 1
    assert page.locator(".explorer-interp").count() == 3

    before = pictures(page, SAMPLES)
    page.click(".explorer-btn-new-samples")
    page.wait_for_function(
        "([sel, old]) => Array.from(document.querySelectorAll(sel)).some("
        "(c, i) => c.toDataURL() !== old[i])", arg=[SAMPLES, before], timeout=30_000)
    interp = ".explorer-interp canvas.explorer-digit-strip-image"
    before = pictures(page, interp)
    page.click(".explorer-btn-another-pair")
    wait_for_status(page, "Interpolating between", 30_000)
    page.wait_for_function(
        "([sel, old]) => Array.from(document.querySelectorAll(sel)).some("
        "(c, i) => c.toDataURL() !== old[i])", arg=[interp, before], timeout=30_000)
    assert_no_error(page)
