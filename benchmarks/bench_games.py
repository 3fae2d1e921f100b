"""Benchmark of the saddle-point app: simulation, server-side redraw, and (optionally) frames/s.

    python benchmarks/bench_games.py            # server side only (a few seconds)
    python benchmarks/bench_games.py --browser  # also frames/s in headless Chromium via Voilà

Prints medians over repeats. "Redraw" is what a change of start point or slider costs in the
kernel: simulate the ticked optimizers, build every array the canvas draws, hand them to the
canvas widget (float32 bytes) and rebuild the factor table; "frame" is one animation frame (the
revealed prefix of every trajectory, its head and its ‖z_t‖).
"""

from __future__ import annotations

import argparse

import common
from common import served_page

from explorer.games import METHODS, simulate_many

SEVEN = METHODS[:7]  # flow, simgd, altgd, extragradient, optimistic, consensus, momentum


def median_ms(fn, repeats: int) -> float:
    return common.median_ms(common.timed(fn, repeats))


def bench_simulate(repeats: int) -> None:
    print("simulate, 1,000 steps each (median ms)")
    cases = [
        ("bilinear, 7 methods", "bilinear", SEVEN, {}),
        ("bilinear, all 8", "bilinear", METHODS, {}),
        ("dirac GAN, 7 methods", "dirac", SEVEN, {}),
        ("dirac GAN + R1, 7 methods", "dirac", SEVEN, {"regularizer": "r1"}),
        ("dirac WGAN clipped, 7", "dirac", SEVEN, {"loss": "wgan"}),
        ("dirac GAN + noise, 7", "dirac", SEVEN, {"regularizer": "noise"}),
    ]
    for label, game, methods, opts in cases:

        def run(game=game, methods=methods, opts=opts) -> None:
            simulate_many(game, methods, 0.1, 1000, (0.8, 0.6), **opts)

        print(f"  {label:30s} {median_ms(run, repeats):8.1f}")


def bench_redraw(repeats: int) -> None:
    from explorer.views.saddle import build_saddle_app

    app = build_saddle_app()
    for m in METHODS:
        app.method_boxes[m].value = m in SEVEN
    app.steps_slider.value = 1000

    app.t = app.steps

    def redraw() -> None:
        app.redraw()

    frames = iter(range(10**9))

    def frame() -> None:
        app._show(next(frames) % 1000)  # one animation frame (SaddleCanvas.frame)

    print("app, 7 methods × 1,000 steps (median ms)")
    print(f"  {'simulate + redraw (bilinear)':30s} {median_ms(redraw, repeats):8.1f}")
    print(f"  {'one animation frame':30s} {median_ms(frame, repeats * 5):8.1f}")
    app.tabs.selected_index = 1
    print(f"  {'simulate + redraw (Dirac-GAN)':30s} {median_ms(redraw, repeats):8.1f}")
    app.reg_menu.value = "noise"
    print(f"  {'  … with instance noise':30s} {median_ms(redraw, max(3, repeats // 3)):8.1f}")


FRAME_COUNTER = """() => {
  // a painted frame: the canvas' paint counter moved since the last animation frame
  window._frames = [];
  if (window._counting) return;
  window._counting = true;
  const wrap = document.querySelector('.explorer-saddle-canvas');
  let seen = wrap.dataset.paints;
  const tick = () => {
    if (wrap.dataset.paints !== seen) {
      window._frames.push(performance.now());
      seen = wrap.dataset.paints;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def bench_browser() -> None:
    """Frames/s the browser actually paints during Play (7 methods), and Pause latency."""
    plane = ".explorer-saddle-plane-canvas"
    with served_page("saddle_game", plane) as (page, cold_start):
        print(f"browser: server start to plot drawn {cold_start:.1f} s (cold kernel)")
        for m in ("consensus", "momentum"):
            page.locator(f".explorer-method-{m} input").check()
        page.wait_for_timeout(1500)
        for steps in (300, 1000):
            if steps != 300:
                readout = page.locator(".explorer-slider-steps .widget-readout")
                readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type(str(steps))
                page.keyboard.press("Enter")
                page.wait_for_function(
                    f"() => document.querySelector('.explorer-step-count').innerText"
                    f".includes('/ {steps}')",
                    timeout=30_000,
                )
                page.wait_for_timeout(1000)
            page.locator(".explorer-btn-reset").click()
            page.wait_for_function(
                "() => document.querySelector('.explorer-status').innerText"
                ".includes('Back at the start')",
                timeout=30_000,
            )
            page.wait_for_timeout(500)
            page.evaluate(FRAME_COUNTER)
            page.locator(".explorer-btn-play").click()
            page.wait_for_function(
                "() => document.querySelector('.explorer-status').innerText"
                f".includes('Done: {steps} steps')",
                timeout=120_000,
            )
            page.wait_for_timeout(500)
            stamps = page.evaluate("window._frames")
            span = (stamps[-1] - stamps[0]) / 1000.0
            fps = (len(stamps) - 1) / span
            print(
                f"browser, 7 methods × {steps} steps: {len(stamps)} frames painted in "
                f"{span:.2f} s = {fps:.1f} frames/s"
            )
        # Pause latency: from the click until the step counter stops changing
        page.locator(".explorer-btn-reset").click()
        page.wait_for_timeout(500)
        page.locator(".explorer-btn-play").click()
        page.wait_for_timeout(1500)
        t_click = page.evaluate("performance.now()")
        page.evaluate(
            "() => { window._last = performance.now(); const el = "
            "document.querySelector('.explorer-step-count'); new MutationObserver(() => "
            "{ window._last = performance.now(); }).observe(el, {subtree: true, "
            "childList: true, characterData: true}); }"
        )
        page.locator(".explorer-btn-pause").click()
        page.wait_for_timeout(2000)
        last = page.evaluate("window._last")
        print(
            f"browser: last frame painted {max(0.0, last - t_click):.0f} ms after the "
            "Pause click"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--browser", action="store_true", help="also measure frames/s")
    args = parser.parse_args()
    bench_simulate(args.repeats)
    bench_redraw(args.repeats)
    if args.browser:
        bench_browser()


if __name__ == "__main__":
    main()
