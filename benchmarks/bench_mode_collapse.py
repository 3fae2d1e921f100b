"""Mode coverage of every GAN objective on ring-8 (std 0.01) and grid-25 (std 0.05), beside the
published numbers (VEEGAN/PacGAN protocol: 2,500 samples, HQ = within 3 std, reverse KL of the HQ
samples' mode histogram to uniform; :mod:`explorer.metrics.modes`).

    OMP_NUM_THREADS=1 python benchmarks/bench_mode_collapse.py                     # everything
    OMP_NUM_THREADS=1 python benchmarks/bench_mode_collapse.py --toys ring-8 --seeds 3 \
        --objectives non-saturating pacgan --settings strong-d

    OMP_NUM_THREADS=1 python benchmarks/bench_mode_collapse.py --browser  # frames/s, Pause

Two settings per objective: ``balanced`` (the shipped healthy runs' knobs: default nets 3 × 128,
lr 1e-3 for both players, batch 256, 1 D step, lr decayed along a half cosine to 0.5 %; 8,000
iterations on ring-8, 15,000 on grid-25) and ``strong-d`` (the shipped collapsed runs' knobs:
lr_d 2e-3, lr_g 2e-4, 5 D steps, batch 64, constant lr, 1,500 iterations). Prints mean ± sd over
seeds 0..n−1 of modes captured, HQ %, reverse KL, the count of seeds with ≤ 5 of 8 ring modes
("collapsed"), and the CPU seconds of one run (process time, one thread).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from explorer.data.toys import make_toy  # noqa: E402
from explorer.metrics.modes import STANDARD_N_SAMPLES, mode_coverage  # noqa: E402
from explorer.models.gan import GANConfig, GANTrainConfig, GANTrainer, build_gan  # noqa: E402
from explorer.models.gan_losses import OBJECTIVES  # noqa: E402
from explorer.train.gan_recipe import BALANCED, BALANCED_ITERATIONS, STRONG_D  # noqa: E402

SETTINGS = {
    "balanced": dict(BALANCED),  # n_iterations per toy: BALANCED_ITERATIONS
    "strong-d": {"n_iterations": 1500, **STRONG_D},
}
PUBLISHED = (  # (method, toy, modes, HQ %, reverse KL or None)
    ("GAN (PacGAN's Table)", "ring-8", 6.3, 98.2, 0.45),
    ("PacGAN4", "ring-8", 7.8, 95.9, 0.07),
    ("VEEGAN", "ring-8", 8.0, 52.9, None),
    ("GAN (PacGAN's Table)", "grid-25", 17.3, 94.8, 0.70),
    ("PacGAN4", "grid-25", 24.8, 93.6, 0.04),
    ("VEEGAN", "grid-25", 24.6, 40.0, None),
)


def run_once(objective: str, toy_name: str, setting: str, seed: int) -> tuple[object, float]:
    toy = make_toy(toy_name)
    pack = 4 if OBJECTIVES[objective].needs_pack else 1
    model = build_gan(GANConfig(pack=pack), seed)
    knobs = dict(SETTINGS[setting])
    knobs.setdefault("n_iterations", BALANCED_ITERATIONS[toy_name])
    config = GANTrainConfig(objective=objective, monitor_every=0, **knobs)
    trainer = GANTrainer(model, toy, config, torch.Generator().manual_seed(seed))
    started = time.process_time()
    while not trainer.done:
        trainer.run_batches(100)
    seconds = time.process_time() - started
    samples = model.sample(STANDARD_N_SAMPLES, torch.Generator().manual_seed(seed))
    return mode_coverage(samples, toy.modes, toy.mode_std), seconds


def _ms(values: list[float], fmt: str = "{:.2f}") -> str:
    finite = [v for v in values if v == v]
    if not finite:
        return "—"
    sd = statistics.stdev(finite) if len(finite) > 1 else 0.0
    return f"{fmt.format(statistics.mean(finite))} ± {fmt.format(sd)}"


def bench_browser(seconds: float = 8.0) -> None:
    """Frames/s of the plane while training (canvas repaints counted in the page) and the time
    from a Pause click to the status line saying so, in a real Voilà server + Chromium."""
    from common import served_page

    plane = ".explorer-gan-plane"
    version = f"() => Number(document.querySelector('{plane}').dataset.version || 0)"
    with served_page("mode_collapse", "canvas.explorer-gan-plane-canvas") as (page, cold):
        print(f"browser: server start to plane drawn {cold:.1f} s")
        for compare in (False, True):
            if compare:
                page.get_by_text("Compare with").click()
                page.wait_for_function(
                    f"() => document.querySelectorAll('{plane}').length === 2", timeout=30_000)
            page.locator(".explorer-btn-play").click()
            page.wait_for_timeout(1500)
            v0, t0 = page.evaluate(version), time.perf_counter()
            page.wait_for_timeout(int(seconds * 1000))
            fps = (page.evaluate(version) - v0) / (time.perf_counter() - t0)
            clicked = time.perf_counter()
            page.locator(".explorer-btn-pause").click()
            page.wait_for_function(
                "() => document.querySelector('.explorer-status').innerText.includes('Paused')",
                timeout=10_000)
            pause_ms = 1000 * (time.perf_counter() - clicked)
            label = "compare (2 planes)" if compare else "one plane"
            print(f"{label}: {fps:.1f} frames/s while training; Pause answered in "
                  f"{pause_ms:.0f} ms")
            page.wait_for_timeout(1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--toys", nargs="+", default=["ring-8", "grid-25"])
    parser.add_argument("--objectives", nargs="+", default=list(OBJECTIVES))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="only the browser frame rate")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.browser:
        bench_browser()
        return
    print("| toy | objective | setting | modes | HQ % | reverse KL | collapsed seeds | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for toy in args.toys:
        for objective in args.objectives:
            for setting in args.settings:
                rows = [run_once(objective, toy, setting, s) for s in range(args.seeds)]
                modes = [c.modes_captured for c, _ in rows]
                collapsed = sum(m <= 5 for m in modes) if toy.startswith("ring") else "—"
                print(
                    f"| {toy} | {objective} | {setting} | {_ms(modes, '{:.1f}')} "
                    f"| {_ms([100 * c.hq_fraction for c, _ in rows], '{:.1f}')} "
                    f"| {_ms([c.reverse_kl for c, _ in rows])} | {collapsed}/{args.seeds} "
                    f"| {_ms([s for _, s in rows], '{:.0f}')} |", flush=True,
                )
    print("\nPublished (as quoted in issue 10 from PacGAN, Lin et al. 2018, and VEEGAN, "
          "Srivastava et al. 2017):")
    for method, toy, modes, hq, kl in PUBLISHED:
        print(f"| {toy} | {method} | {modes} | {hq} % | {'—' if kl is None else kl} |")


if __name__ == "__main__":
    main()
