"""A random-action fuzzer for an app page (shared by the short browser test and the long
benchmark): clicks anywhere in the app, drags, slider moves, rapid Run/Pause, tab switches,
resizes and an occasional reload. Returns what it did; page errors land in ``page.errors``."""

from __future__ import annotations

import random
import time

SIZES = [(1024, 768), (1280, 720), (1400, 1000), (1920, 1080)]


def _box(page, selector: str):
    locator = page.locator(selector)
    if locator.count() == 0:
        return None
    return locator.nth(random.randrange(locator.count())).bounding_box()


def fuzz(page, seconds: float, seed: int, app_url: str) -> dict[str, int]:
    """Random actions on ``page`` for ``seconds``; returns a count per action."""
    rng = random.Random(seed)
    random.seed(seed)
    counts: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        action = rng.choices(
            ["click", "drag", "slider", "run_pause", "tab", "button", "resize", "reload"],
            weights=[30, 12, 12, 10, 6, 20, 4, 1])[0]
        counts[action] = counts.get(action, 0) + 1
        app = _box(page, ".explorer-app")
        if app is None:
            page.wait_for_selector(".explorer-app", timeout=120_000)
            continue
        view_h = page.viewport_size["height"]
        if action == "click":
            page.mouse.click(app["x"] + rng.random() * app["width"],
                             rng.random() * view_h)
        elif action == "drag":
            box = _box(page, "canvas") or app
            x, y = box["x"] + rng.random() * box["width"], box["y"] + rng.random() * box["height"]
            page.mouse.move(x, y)
            page.mouse.down()
            for _ in range(5):
                x += rng.uniform(-30, 30)
                y += rng.uniform(-30, 30)
                page.mouse.move(x, y)
            page.mouse.up()
        elif action == "slider":
            box = _box(page, ".widget-slider .noUi-target, .widget-slider .slider-container")
            if box:
                page.mouse.click(box["x"] + rng.random() * box["width"],
                                 box["y"] + box["height"] / 2)
        elif action == "run_pause":
            for _ in range(rng.randint(2, 6)):
                name = rng.choice([".explorer-btn-run", ".explorer-btn-play",
                                   ".explorer-btn-pause"])
                visible = page.locator(f"{name}:visible")  # not one in a hidden tab
                if visible.count():
                    visible.first.click(timeout=2000, force=True)
        elif action == "tab":
            box = _box(page, ".lm-TabBar-tab, .widget-tab .p-TabBar-tab")
            if box:
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        elif action == "button":
            box = _box(page, ".explorer-app button:not(.explorer-copy-link)")
            if box:
                page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        elif action == "resize":
            width, height = rng.choice(SIZES)
            page.set_viewport_size({"width": width, "height": height})
        elif action == "reload":
            page.goto(app_url, timeout=120_000)
            page.wait_for_selector(".explorer-app", timeout=120_000)
        page.wait_for_timeout(rng.choice([0, 20, 50, 150]))
    return counts


def still_answering(page) -> None:
    """The kernel is alive and the app answers: Copy link goes to the kernel and back."""
    for name in (".explorer-btn-pause",):
        visible = page.locator(f"{name}:visible")
        if visible.count():
            visible.first.click(force=True)
    page.evaluate("() => { document.querySelector('.explorer-link-box').value = ''; }")
    page.click(".explorer-copy-link", force=True)
    page.wait_for_function("document.querySelector('.explorer-link-box').value !== ''",
                           timeout=30_000)
