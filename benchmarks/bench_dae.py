"""DAE-chain numbers: one chain step for 2,000 2-D chains, the app's canvas in a browser, the
MNIST right-half agreement beside the RBM's, and the Tweedie / MMD / spurious table.

    .venv/bin/python benchmarks/bench_dae.py [--browser]
Targets on a 2-core CPU: one full step (4 sub-steps) of 2,000 2-D chains ≤ 2 ms; the 2-D canvas
animates ≥ 25 frames/s with 2,000 particles (frames the browser painted over 5 s of Run at the
default 30 steps/s); click "Next sub-step" → visible ≤ 100 ms; Pause answers at once and at
most the frames already in flight (flow control: 2) are painted after it. The
MNIST agreement: the classifier reads the true digit in right-half-clamped completions of the
first 500 test digits after 200 steps (the RBM's benchmark setting, 0.814 ± 0.005 over 5 seeds).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import torch
from common import median_ms, served_page, timed

from explorer.data import load_mnist
from explorer.data.toys import make_toy
from explorer.metrics.dae_eval import dae2d_metrics
from explorer.metrics.inpainting import inpainting_agreement
from explorer.sampling.dae_chain import DAEChain
from explorer.train.dae_recipe import DAE2D_SHIPPED, dae2d_name
from explorer.weights import load_pretrained

CLICK_JS = """
async () => {
  const wrap = document.querySelector('.explorer-particles');
  const before = wrap.dataset.version;
  const button = [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim() === 'Next sub-step' && b.offsetParent !== null);
  const t0 = performance.now();
  button.click();
  while (wrap.dataset.version === before) await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}
"""

FPS_JS = """
async (seconds) => {
  const wrap = document.querySelector('.explorer-particles');
  let last = wrap.dataset.version, frames = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await new Promise(r => requestAnimationFrame(r));
    if (wrap.dataset.version !== last) { frames++; last = wrap.dataset.version; }
  }
  return frames / seconds;
}
"""


PAUSE_JS = """
async () => {
  const visible = (text) => [...document.querySelectorAll('button')]
    .find(b => b.innerText.trim() === text && b.offsetParent !== null);
  const run = visible('Run'), pause = visible('Pause');
  const wrap = document.querySelector('.explorer-particles');
  const v0 = Number(wrap.dataset.version);
  const t0 = performance.now();
  pause.click();
  while (run.disabled) await new Promise(r => requestAnimationFrame(r));
  const answered = performance.now() - t0;
  await new Promise(r => setTimeout(r, 1000));
  return [answered, Number(wrap.dataset.version) - v0];
}
"""


def bench_step() -> float:
    torch.set_num_threads(2)
    model = load_pretrained("dae-ring8-s10", device="cpu")
    g = torch.Generator().manual_seed(0)
    chain = DAEChain.free(model, torch.randn(2000, 2, generator=g), g)
    chain.run(20)
    return median_ms(timed(chain.step, 500))


def bench_browser() -> dict[str, float]:
    with served_page("dae_chain", "canvas.explorer-particles-canvas") as (page, cold_start):
        page.wait_for_timeout(1500)
        clicks = [page.evaluate(CLICK_JS) for _ in range(20)]
        page.get_by_role("button", name="Run").click()
        page.wait_for_timeout(1000)
        fps = page.evaluate(FPS_JS, 5)
        pause_ms, after_pause = page.evaluate(PAUSE_JS)
    return {"load_avg_1min": round(os.getloadavg()[0], 2),
            "cold_start_s": round(cold_start, 2),
            "substep_click_to_visible_median_ms": round(float(np.median(clicks)), 1),
            "substep_click_to_visible_p90_ms": round(float(np.percentile(clicks, 90)), 1),
            "canvas_frames_per_s_2000_particles": round(fps, 1),
            "pause_answers_ms": round(pause_ms, 1),
            "frames_painted_after_pause": int(after_pause)}


def bench_mnist() -> dict[str, float]:
    torch.set_num_threads(2)
    images, labels = load_mnist("test", binarize=True)
    classifier = load_pretrained("classifier-mnist", device="cpu")
    out = {}
    for name in ("dae-mnist-wb", "rbm-mnist"):
        model = load_pretrained(name, device="cpu")
        out[f"{name}_right_half_agreement_500_200_steps"] = inpainting_agreement(
            model, classifier, images[:500], labels[:500], "right-half", n_steps=200, seed=0)
    return out


def table_2d() -> dict[str, dict[str, float]]:
    rows = {}
    for toy, sigma in DAE2D_SHIPPED:
        for walkback in (False, True):
            name = dae2d_name(toy, sigma, walkback)
            model = load_pretrained(name, device="cpu")
            rows[name] = {k: round(v, 4) for k, v in dae2d_metrics(model, make_toy(toy)).items()}
    return rows


def walkback_table() -> list[dict]:
    """Walk-back (k = 4) vs plain over 5 seeds in the settings of ``text.WALKBACK_MEASURED``."""
    from explorer.metrics.dae_eval import DataReference, chain_metrics
    from explorer.models.base import seeded_global_rng
    from explorer.models.dae import DAE, DAEConfig, DAETrainConfig, DAETrainer
    from explorer.train.dae_recipe import dae2d_config

    torch.set_num_threads(1)
    rows = []
    for toy_name, sigma, steps in (("ring-8-wide", 0.3, 500), ("ring-8-wide", 0.1, 2000),
                                   ("spiral", 0.1, 2000)):
        toy = make_toy(toy_name)
        reference = DataReference(toy, 1000, 0)
        shares = {}
        for k in (1, 4):
            shares[k] = []
            for seed in range(5):
                with seeded_global_rng(seed):
                    model = DAE(DAEConfig(**dae2d_config(sigma, k)))
                DAETrainer(model, toy, DAETrainConfig(epochs=1, batches_per_epoch=steps,
                                                      seed=seed)).step()
                shares[k].append(round(chain_metrics(
                    model.eval(), toy, seed=seed, n_chains=1000, n_steps=200,
                    reference=reference)["spurious_share"], 4))
        rows.append({"toy": toy_name, "sigma": sigma, "adam_steps": steps,
                     "plain": shares[1], "walkback_k4": shares[4],
                     "walkback_lower_seeds": int(sum(w < p for p, w in zip(shares[1], shares[4],
                                                                          strict=True)))})
    return rows


if __name__ == "__main__":
    import sys

    if "--browser" in sys.argv:  # only the browser numbers (about a minute)
        print(json.dumps(bench_browser(), indent=2))
        raise SystemExit(0)
    results = {"chain_step_2000_chains_median_ms": round(bench_step(), 3), **bench_mnist(),
               "table_2d": table_2d(), **bench_browser(), "walkback_vs_plain": walkback_table()}
    print(json.dumps(results, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "dae.json").write_text(json.dumps(results, indent=2))
