"""The VAE manifold app in a real browser: hover and click the latent plane, draw on the canvas."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_error, relayout_loops

pytestmark = pytest.mark.browser

DECODED = ".explorer-vae-decoded .explorer-digit-strip"
DECODED_IMAGE = ".explorer-vae-decoded canvas.explorer-digit-strip-image"
PLANE = ".explorer-vae-plane"  # the FigureWidget element itself is the .js-plotly-plot


def decoded_picture(page) -> str:
    return page.eval_on_selector(DECODED_IMAGE, "c => c.toDataURL()")


def decoded_version(page) -> int:
    return int(page.eval_on_selector(DECODED, "e => e.dataset.version || '0'"))


def test_hover_click_and_draw(open_app) -> None:
    page = open_app("vae_manifold")
    page.wait_for_selector(f"{PLANE} .nsewdrag", timeout=60_000)
    page.wait_for_selector(DECODED_IMAGE)
    assert page.locator(f"{PLANE} .scatterlayer .point").count() >= 1000  # the test set

    # Hover over empty plane and over dots: the decoded digit changes with the cursor.
    drag = page.locator(f"{PLANE} .nsewdrag").first
    drag.scroll_into_view_if_needed()
    box = drag.bounding_box()
    seen = {decoded_picture(page)}
    for fx, fy in ((0.2, 0.5), (0.5, 0.5), (0.8, 0.3), (0.6, 0.85)):
        version = decoded_version(page)
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=3)
        page.wait_for_function(
            f"v => Number(document.querySelector('{DECODED}').dataset.version) > v",
            arg=version, timeout=10_000,
        )
        seen.add(decoded_picture(page))
    assert len(seen) >= 3, "hovering different places should decode different digits"
    caption = page.inner_text(".explorer-vae-decoded .explorer-digit-strip-caption")
    assert caption.startswith(("z = (", "μ of test #"))

    # Click a test dot: it is pinned and becomes end B of the interpolation.
    ends_before = page.inner_text(".explorer-vae-ends")
    page.locator(f"{PLANE} .scatterlayer .trace").nth(1).locator(".point").nth(5).click(
        force=True)
    page.wait_for_function(
        "old => document.querySelector('.explorer-vae-ends').innerText !== old",
        arg=ends_before, timeout=10_000,
    )
    assert "B = test #" in page.inner_text(".explorer-vae-ends")

    # Draw a stroke: on mouse-up the digit is encoded and its mean appears.
    assert page.locator(".explorer-vae-readout .explorer-vae-mu").count() == 0
    canvas = page.locator(".explorer-vae-canvas canvas.explorer-digit-canvas")
    canvas.scroll_into_view_if_needed()
    cbox = canvas.bounding_box()
    page.mouse.move(cbox["x"] + 0.5 * cbox["width"], cbox["y"] + 0.15 * cbox["height"])
    page.mouse.down()
    for k in range(1, 16):
        page.mouse.move(cbox["x"] + (0.5 - 0.01 * k) * cbox["width"],
                        cbox["y"] + (0.15 + 0.045 * k) * cbox["height"])
    page.mouse.up()
    page.wait_for_selector(".explorer-vae-readout .explorer-vae-mu", timeout=10_000)
    mu = page.get_attribute(".explorer-vae-readout .explorer-vae-mu", "data-mu")
    assert len([float(v) for v in mu.split(",")]) == 2
    assert "ELBO" in page.inner_text(".explorer-vae-readout")
    assert_no_error(page)
    assert page.console_errors == []
    assert relayout_loops(page) == []
    # plotly's bundle is preloaded by the page (the VAE notebook's metadata asks for it)
    preload = 'link[rel=modulepreload][href$="explorer/static/widgetbundle.js"]'
    assert page.locator(preload).count() == 1


def pinned_z(ends: str, letter: str) -> tuple[float, float]:
    """The code of end A or B from "A = z = (−3.75, +3.80), B = ..."; fails if it is no code."""
    part = ends.split(f"{letter} = ")[1]
    assert part.startswith("z = ("), ends
    x, y = part[5:].split(")")[0].split(", ")
    return float(x.replace("−", "-")), float(y.replace("−", "-"))


def test_a_click_pins_the_clicked_point(open_app) -> None:
    """Issue 14.11: plotly's click carried the last hovered point, so a click right after a move
    pinned the previous click's place (7 of 8 trials). Click empty plane at the top-left corner,
    then far away on a test dot: each pin is where its own click was."""
    page = open_app("vae_manifold")
    page.wait_for_selector(f"{PLANE} .nsewdrag", timeout=60_000)
    drag = page.locator(f"{PLANE} .nsewdrag").first
    drag.scroll_into_view_if_needed()
    box = drag.bounding_box()

    def click_and_wait(x: float, y: float) -> str:
        before = page.inner_text(".explorer-vae-ends")
        page.mouse.click(x, y)
        page.wait_for_function(
            "old => document.querySelector('.explorer-vae-ends').innerText !== old",
            arg=before, timeout=10_000,
        )
        return page.inner_text(".explorer-vae-ends")

    # empty plane near the top-left corner: z ≈ (−3.76, +3.76)
    ends = click_and_wait(box["x"] + 0.03 * box["width"], box["y"] + 0.03 * box["height"])
    assert pinned_z(ends, "B") == pytest.approx((-3.76, 3.76), abs=0.15), ends
    page.wait_for_timeout(1000)
    # the centre of a test dot, far from the corner: that test digit, not the corner again
    dot = page.locator(f"{PLANE} .scatterlayer .trace").nth(4).locator(".point").nth(3)
    dbox = dot.bounding_box()
    ends = click_and_wait(dbox["x"] + dbox["width"] / 2, dbox["y"] + dbox["height"] / 2)
    assert "B = test #" in ends, ends
    assert pinned_z(ends, "A") == pytest.approx((-3.76, 3.76), abs=0.15), ends
    # and back to empty plane at the bottom-right: a code there
    ends = click_and_wait(box["x"] + 0.97 * box["width"], box["y"] + 0.97 * box["height"])
    assert pinned_z(ends, "B") == pytest.approx((3.76, -3.76), abs=0.15), ends
    assert_no_error(page)
    assert page.console_errors == []
