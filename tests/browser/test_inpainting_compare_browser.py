"""The inpainting app's compare-all view in a real browser: every model on a right-half mask."""

from __future__ import annotations

import pytest

from explorer.sampling import kind_offers_conditional_sampler
from explorer.sampling.registry import card_models_digits
from explorer.weights import list_pretrained
from tests.browser.conftest import assert_no_error

pytestmark = pytest.mark.browser

ROWS = ".explorer-compare-all .explorer-compare-row"


def test_compare_all_on_a_right_half_mask(open_app) -> None:
    names = [n for n, card in list_pretrained()  # digit models only (the 2-D DAEs model points)
             if kind_offers_conditional_sampler(card["kind"]) and card_models_digits(card)]
    assert "dae-mnist-wb" in names
    page = open_app("inpainting")
    page.wait_for_selector(".explorer-chains canvas.explorer-digit-strip-image")
    page.get_by_role("button", name="Compare all models").click()
    page.wait_for_function(f"(n) => document.querySelectorAll('{ROWS}').length === n",
                           arg=len(names), timeout=30_000)
    page.get_by_role("button", name="Right half").click()
    view = page.locator(".explorer-compare-all")
    view.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "() => document.querySelector('.explorer-compare-all').innerText.includes('steps: 1')",
        timeout=15_000)
    # every chain of every row has a classifier reading under it
    captions = f"{ROWS} .explorer-compare-chains .explorer-digit-strip-caption"
    page.wait_for_function(
        f"(n) => {{ const c = document.querySelectorAll('{captions}');"
        " return c.length === n && Array.from(c).every(x => x.innerText.includes('%')); }",
        arg=8 * len(names), timeout=15_000)
    stars = page.evaluate(  # one consensus ★ per row, on a caption, named in the row's heading
        f"() => Array.from(document.querySelectorAll('{ROWS}')).map(r => ["
        "  Array.from(r.querySelectorAll('.explorer-digit-strip-caption'))"
        "    .filter(c => c.innerText.includes('★')).length,"
        "  r.innerText.includes('consensus ★: chain')])")
    assert stars == [[1, True]] * len(names), stars
    for name in names:
        assert view.get_by_text(name, exact=True).count() >= 1
    assert view.locator("img").count() >= 3  # hidden layers: the DBM's two, NADE's, RBM's
    view.get_by_role("button", name="Step").click()
    page.wait_for_function(
        "() => document.querySelector('.explorer-compare-all').innerText.includes('steps: 2')",
        timeout=15_000)
    assert_no_error(page)
    assert page.console_errors == []
