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

Sweeps and searches: ``--first-seed 10`` runs seeds 10..10+n−1 (search there, report 0..n−1);
``--iterations N`` overrides the setting's iteration count (e.g. the unrolled GAN cut to the same
CPU budget); ``--set KEY=VALUE`` overrides any ``GANTrainConfig`` knob (``--set ema=0.999``);
with ``--set g_ema=0.999`` each run is also read with G's running average
of weights (a second row, "averaged G"; the average never changes training); ``--json PATH``
writes every run's numbers (rewritten after each run, so a long sweep can be
polled).
"""

from __future__ import annotations

import argparse
import json
import os
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


def run_once(
    objective: str, toy_name: str, setting: str, seed: int,
    overrides: dict[str, object] | None = None,
) -> tuple[object, object | None, float]:
    """``(coverage of G, coverage of G's running average or None, CPU seconds)``: with
    ``g_ema`` set, the same run is read twice — G's last weights, then their average
    (``GANTrainer.use_average``; the average never changes training)."""
    toy = make_toy(toy_name)
    pack = 4 if OBJECTIVES[objective].needs_pack else 1
    model = build_gan(GANConfig(pack=pack), seed)
    knobs = dict(SETTINGS[setting])
    knobs.setdefault("n_iterations", BALANCED_ITERATIONS[toy_name])
    knobs.update(overrides or {})
    config = GANTrainConfig(objective=objective, monitor_every=0, **knobs)
    trainer = GANTrainer(model, toy, config, torch.Generator().manual_seed(seed))
    started = time.process_time()
    while not trainer.done:
        trainer.run_batches(100)
    seconds = time.process_time() - started
    samples = model.sample(STANDARD_N_SAMPLES, torch.Generator().manual_seed(seed))
    coverage = mode_coverage(samples, toy.modes, toy.mode_std)
    if not trainer.use_average():
        return coverage, None, seconds
    samples = model.sample(STANDARD_N_SAMPLES, torch.Generator().manual_seed(seed))
    return coverage, mode_coverage(samples, toy.modes, toy.mode_std), seconds


def _parse_overrides(items: list[str]) -> dict[str, object]:
    """``["ema=0.999", "batch_size=512"]`` → knobs, each value read as JSON (a number, true/false)
    or else kept as a string."""
    overrides: dict[str, object] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    return overrides


def _write_json(path: str, runs: list[dict[str, object]]) -> None:
    tmp = f"{path}.tmp"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w") as f:
        json.dump({"runs": runs, "load_average": os.getloadavg()}, f, indent=1)
    os.replace(tmp, path)


def _ms(values: list[float], fmt: str = "{:.2f}") -> str:
    finite = [v for v in values if v == v]
    if not finite:
        return "—"
    sd = statistics.stdev(finite) if len(finite) > 1 else 0.0
    return f"{fmt.format(statistics.mean(finite))} ± {fmt.format(sd)}"


WATCH_PAUSE = """() => {
  const status = document.querySelector('.explorer-status');
  window.__pause = {click: null, answered: null};
  if (window.__pauseWatched) return;
  window.__pauseWatched = true;
  document.addEventListener('click', (e) => {
    if (e.target.closest && e.target.closest('.explorer-btn-pause'))
      window.__pause.click = performance.now();
  }, true);
  new MutationObserver(() => {
    const p = window.__pause;
    if (p.click !== null && p.answered === null && status.innerText.includes('Paused'))
      p.answered = performance.now();
  }).observe(status, {subtree: true, childList: true, characterData: true});
}"""


def bench_browser(seconds: float = 4.0, rounds: int = 5) -> None:
    """Frames/s of the plane while training (canvas repaints counted in the page) and the time
    a Pause takes, in a real Voilà server + Chromium, ``rounds`` Play/Pause rounds each with one
    plane and with Compare (two planes). Two Pause times: in the page, from the click event to
    the status line saying "Paused" (what a student waits for; a MutationObserver notes it),
    and from Playwright's click call to the same line seen by Playwright (adds Playwright's own
    actionability checks and round trips, ~50 ms)."""
    from common import served_page

    plane = ".explorer-gan-plane"
    version = f"() => Number(document.querySelector('{plane}').dataset.version || 0)"
    with served_page("mode_collapse", "canvas.explorer-gan-plane-canvas") as (page, cold):
        print(f"browser: server start to plane drawn {cold:.1f} s; load average "
              f"{os.getloadavg()[0]:.1f}")
        for compare in (False, True):
            if compare:
                page.get_by_text("Compare with").click()
                page.wait_for_function(
                    f"() => document.querySelectorAll('{plane}').length === 2", timeout=30_000)
            label = "compare (2 planes)" if compare else "one plane"
            fps_all, in_page, outside = [], [], []
            for _ in range(rounds):
                page.locator(".explorer-btn-play").click()
                page.wait_for_timeout(1500)
                v0, t0 = page.evaluate(version), time.perf_counter()
                page.wait_for_timeout(int(seconds * 1000))
                fps = (page.evaluate(version) - v0) / (time.perf_counter() - t0)
                page.evaluate(WATCH_PAUSE)
                clicked = time.perf_counter()
                page.locator(".explorer-btn-pause").click()
                page.wait_for_function(
                    "() => document.querySelector('.explorer-status').innerText"
                    ".includes('Paused')", timeout=10_000)
                pause_ms = 1000 * (time.perf_counter() - clicked)
                page.wait_for_function("() => window.__pause.answered !== null",
                                       timeout=10_000)
                answered = page.evaluate("() => window.__pause.answered - window.__pause.click")
                fps_all.append(fps)
                in_page.append(answered)
                outside.append(pause_ms)
                print(f"{label}: {fps:.1f} frames/s while training; Pause answered in "
                      f"{answered:.0f} ms (click event → status line; {pause_ms:.0f} ms from "
                      f"Playwright's click call); load average {os.getloadavg()[0]:.1f}",
                      flush=True)
                page.wait_for_timeout(500)
            print(f"{label}: frames/s {min(fps_all):.1f}–{max(fps_all):.1f}, Pause (in page) "
                  f"median {statistics.median(in_page):.0f} ms, max {max(in_page):.0f} ms; "
                  f"(Playwright) median {statistics.median(outside):.0f} ms, max "
                  f"{max(outside):.0f} ms")


def _print_row(toy: str, objective: str, setting: str, rows: list, n_seeds: int) -> None:
    modes = [c.modes_captured for c, _ in rows]
    collapsed = sum(m <= 5 for m in modes) if toy.startswith("ring") else "—"
    print(
        f"| {toy} | {objective} | {setting} | {_ms(modes, '{:.1f}')} "
        f"| {_ms([100 * c.hq_fraction for c, _ in rows], '{:.1f}')} "
        f"| {_ms([c.reverse_kl for c, _ in rows])} | {collapsed}/{n_seeds} "
        f"| {_ms([s for _, s in rows], '{:.0f}')} |", flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--toys", nargs="+", default=["ring-8", "grid-25"])
    parser.add_argument("--objectives", nargs="+", default=list(OBJECTIVES))
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--seeds", type=int, default=5, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=None,
                        help="override the setting's iteration count")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="override GANTrainConfig knobs")
    parser.add_argument("--json", default=None, help="write every run's numbers here")
    parser.add_argument("--browser", action="store_true", help="only the browser frame rate")
    parser.add_argument("--rounds", type=int, default=5, help="Play/Pause rounds (--browser)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.browser:
        bench_browser(rounds=args.rounds)
        return
    overrides = _parse_overrides(args.set)
    if args.iterations is not None:
        overrides["n_iterations"] = args.iterations
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    extra = " ".join(f"{k}={v}" for k, v in overrides.items())
    print(f"seeds {seeds.start}..{seeds.stop - 1}; overrides: {extra or 'none'}")
    print("| toy | objective | setting | modes | HQ % | reverse KL | collapsed seeds | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    runs: list[dict[str, object]] = []
    for toy in args.toys:
        for objective in args.objectives:
            for setting in args.settings:
                rows, averaged = [], []
                for seed in seeds:
                    coverage, average, seconds = run_once(objective, toy, setting, seed,
                                                          overrides)
                    rows.append((coverage, seconds))
                    run = {
                        "toy": toy, "objective": objective, "setting": setting, "seed": seed,
                        "overrides": overrides, "modes": coverage.modes_captured,
                        "hq_percent": 100 * coverage.hq_fraction,
                        "reverse_kl": coverage.reverse_kl, "cpu_s": seconds,
                    }
                    if average is not None:
                        averaged.append((average, seconds))
                        run["averaged_g"] = {
                            "modes": average.modes_captured,
                            "hq_percent": 100 * average.hq_fraction,
                            "reverse_kl": average.reverse_kl,
                        }
                    runs.append(run)
                    if args.json:
                        _write_json(args.json, runs)
                _print_row(toy, objective, setting, rows, len(seeds))
                if averaged:
                    _print_row(toy, objective, f"{setting}, averaged G", averaged, len(seeds))
    print("\nPublished (as quoted in issue 10 from PacGAN, Lin et al. 2018, and VEEGAN, "
          "Srivastava et al. 2017):")
    for method, toy, modes, hq, kl in PUBLISHED:
        print(f"| {toy} | {method} | {modes} | {hq} % | {'—' if kl is None else kl} |")


if __name__ == "__main__":
    main()
