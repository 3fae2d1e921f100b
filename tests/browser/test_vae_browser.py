"""The VAE manifold app in a real browser: hover and click the latent plane, draw on the canvas."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_no_error

pytestmark = pytest.mark.browser

DECODED = ".explorer-vae-decoded .explorer-digit-strip"
DECODED_IMAGE = ".explorer-vae-decoded canvas.explorer-digit-strip-image"
PLANE = ".explorer-vae-plane"  # the LatentPlane widget (one canvas, no plotly)
AREA = f"{PLANE} .explorer-latent-plane-area"  # its data area, where the pointer is read
WRAP = f"{PLANE} .explorer-latent-plane"
# where point i is drawn (client pixels), and the canvas pixel there (device pixels)
POINT_JS = f"i => document.querySelector('{WRAP}').explorerPointAt(i)"
PIXEL_JS = f"""([x, y]) => {{
  const c = document.querySelector('{WRAP} canvas'), r = c.getBoundingClientRect();
  const k = c.width / r.width;
  return [...c.getContext('2d').getImageData(Math.round((x - r.left) * k),
                                             Math.round((y - r.top) * k), 1, 1).data];
}}"""
NO_PLOTLY_JS = """() => [!!window.Plotly, performance.getEntriesByType("resource")
  .map(e => e.name).filter(n => /plotly|widgetbundle/.test(n))]"""


def decoded_picture(page) -> str:
    return page.eval_on_selector(DECODED_IMAGE, "c => c.toDataURL()")


def decoded_version(page) -> int:
    return int(page.eval_on_selector(DECODED, "e => e.dataset.version || '0'"))


def test_hover_click_and_draw(open_app) -> None:
    page = open_app("vae_manifold")
    page.wait_for_selector(AREA, timeout=60_000)
    page.wait_for_selector(DECODED_IMAGE)
    page.wait_for_function(f"() => document.querySelector('{WRAP}').dataset.points === '1000'")
    area = page.locator(AREA).first
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    assert 500 <= box["width"] <= 540 and abs(box["width"] - box["height"]) < 1
    # the test set is drawn: the canvas is coloured at each sampled dot (labels 0-7, 9 are
    # saturated colours, the shading is a pale blue-grey)
    coloured = 0
    for i in range(0, 1000, 50):
        r, g, b, _ = page.evaluate(PIXEL_JS, page.evaluate(POINT_JS, i))
        coloured += max(r, g, b) - min(r, g, b) > 45
    assert coloured >= 12, coloured
    # the legend names the ten labels
    assert page.locator(f"{PLANE} .explorer-latent-plane-legend .legend").count() == 10

    # Hover over empty plane and over dots: the decoded digit changes with the cursor.
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

    # Hover right on a dot: the page's tooltip and the kernel's caption name the same digit.
    x, y = page.evaluate(POINT_JS, 5)
    page.mouse.move(x, y)
    page.wait_for_function(
        "() => document.querySelector('.explorer-vae-decoded .explorer-digit-strip-caption')"
        ".innerText.startsWith('μ of test #')", timeout=10_000)
    page.wait_for_timeout(300)
    tip = page.inner_text(f"{PLANE} .explorer-latent-plane-tip")
    assert tip.startswith("test #"), tip
    assert page.inner_text(".explorer-vae-decoded .explorer-digit-strip-caption") == "μ of " + tip

    # Click that test dot: it is pinned and becomes end B of the interpolation.
    ends_before = page.inner_text(".explorer-vae-ends")
    page.mouse.click(x, y)
    page.wait_for_function(
        "old => document.querySelector('.explorer-vae-ends').innerText !== old",
        arg=ends_before, timeout=10_000,
    )
    assert "B = " + tip in page.inner_text(".explorer-vae-ends")
    page.wait_for_function(f"() => document.querySelector('{WRAP}').dataset.pins.endsWith('AB')")

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
    mx, my = (float(v) for v in mu.split(","))
    assert "ELBO" in page.inner_text(".explorer-vae-readout")
    # the plane draws its cross at μ: dark pixels there
    page.wait_for_timeout(300)
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    cx, cy = box["x"] + (mx + 4) / 8 * box["width"], box["y"] + (4 - my) / 8 * box["height"]
    r, g, b, _ = page.evaluate(PIXEL_JS, [cx, cy])
    assert max(r, g, b) < 90, (r, g, b)
    assert_no_error(page)
    assert page.console_errors == []
    # the page never loads plotly (nor asks to preload its bundle)
    has_plotly, requests = page.evaluate(NO_PLOTLY_JS)
    assert not has_plotly and requests == []
    assert page.locator('link[rel=modulepreload][href$="widgetbundle.js"]').count() == 0


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
    page.wait_for_selector(AREA, timeout=60_000)
    drag = page.locator(AREA).first
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
    page.wait_for_function(f"() => document.querySelector('{WRAP}').dataset.points === '1000'")
    i = next(i for i in range(1000) if min(  # a dot far from the corner
        abs(v - c) for v, c in zip(page.evaluate(POINT_JS, i), (box["x"], box["y"]), strict=True)
    ) > 0.3 * box["width"])
    ends = click_and_wait(*page.evaluate(POINT_JS, i))
    assert "B = test #" in ends, ends
    assert pinned_z(ends, "A") == pytest.approx((-3.76, 3.76), abs=0.15), ends
    # and back to empty plane at the bottom-right: a code there
    ends = click_and_wait(box["x"] + 0.97 * box["width"], box["y"] + 0.97 * box["height"])
    assert pinned_z(ends, "B") == pytest.approx((3.76, -3.76), abs=0.15), ends
    assert_no_error(page)
    assert page.console_errors == []
