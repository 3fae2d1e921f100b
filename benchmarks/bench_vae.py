"""VAE manifold numbers: the bounds of vae2d-mnist, app latencies, and live retraining speed.

    .venv/bin/python benchmarks/bench_vae.py [--skip-browser] [--skip-retrain] [--beta]
Targets (issue 3): test ELBO ≥ −150 nats (threshold-binarized test split); hover → decoded digit
visible ≤ 100 ms median; a fresh 2-D VAE shows a recognisable manifold within 30 s, live.
"Recognisable" is measured by the shipped classifier: the number of different digits it reads
with ≥ 90% confidence among the 12 × 12 cells of the retrained model's decoded manifold.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from common import median_ms, served_page, timed

from explorer.data import load_mnist
from explorer.metrics.vae_eval import vae_bounds
from explorer.models.vae import (
    VAE,
    VAEConfig,
    VAETrainConfig,
    VAETrainer,
    active_units,
    kl_per_dimension,
)
from explorer.weights import load_pretrained

# The retraining panel's settings (explorer/views/vae/retrain.py: RetrainPanel.prepare).
RETRAIN = {"hidden1": 256, "hidden2": 0}
RETRAIN_GRID = 12

STOP_JS = """
async () => {
  const buttons = [...document.querySelectorAll('.explorer-vae-retrain button')];
  const train = buttons.find(b => b.innerText.trim() === 'Train');
  const stop = buttons.find(b => b.innerText.trim() === 'Stop');
  const t0 = performance.now();
  stop.click();
  while (train.disabled) await new Promise(r => requestAnimationFrame(r));
  return performance.now() - t0;
}
"""


def bench_bounds() -> dict[str, float]:
    model = load_pretrained("vae2d-mnist", device="cpu")
    x = torch.from_numpy(load_mnist("test")[0])
    started = time.perf_counter()
    bounds = vae_bounds(model, x, seed=0)
    seconds = time.perf_counter() - started
    card = model.card
    return {
        **{f"test_{k}": round(v, 2) for k, v in bounds.items()},
        "train_elbo_card": card["metrics"].get("train_elbo"),
        "eval_seconds_incl_iwae_500": round(seconds, 1),
        "train_seconds_card": card["training"].get("seconds"),
        "train_epochs_card": card["training"].get("epochs"),
    }


def bench_python_side() -> dict[str, float]:
    """Kernel-side cost of one hover (decode + widget messages), one stroke, one α move."""
    from explorer.views.vae_manifold import VAEManifoldApp

    app = VAEManifoldApp()
    rng = np.random.default_rng(0)

    def hover() -> None:  # the message the page's plane sends (fractions of its data area)
        fx, fy = rng.uniform(0.1, 0.9, 2)
        app.plane.receive({"kind": "hover", "fx": fx, "fy": fy, "width_px": 520,
                           "height_px": 520})

    def stroke() -> None:
        app.canvas.image = app.test_images[int(rng.integers(1000))]

    def alpha() -> None:
        app.alpha.value = float(rng.uniform(0, 1))

    return {
        "py_hover_median_ms": round(median_ms(timed(hover, 300)), 3),
        "py_stroke_encode_median_ms": round(median_ms(timed(stroke, 40)), 2),
        "py_alpha_median_ms": round(median_ms(timed(alpha, 40)), 2),
    }


def recognised_classes(model: VAE, classifier, dims: tuple[int, int] = (0, 1)) -> int:
    """Different digits the classifier reads with ≥ 90% confidence on the 12 × 12 manifold,
    each decode thresholded at ½ like the training digits (the classifier's own input)."""
    _, images = model.manifold(RETRAIN_GRID, dims=dims)
    binary = (images.reshape(-1, 784) >= 0.5).float()
    digits, confidence = classifier.predict(binary)
    return len(set(digits[confidence >= 0.9].tolist()))


def bench_retrain(seconds: float = 30.0) -> dict[str, object]:
    """The panel's fresh VAE, trained for ``seconds`` of wall-clock: when is the manifold
    recognisable? And how fast does β = 32 collapse the posterior?"""
    classifier = load_pretrained("classifier-mnist", device="cpu")
    train = torch.from_numpy(load_mnist("train")[0])
    test = torch.from_numpy(load_mnist("test")[0])
    results: dict[str, object] = {}
    for beta in (1.0, 32.0):
        model, trainer = fresh_run(train, latent=2, beta=beta, epochs=1000)
        timeline, started, next_check = [], time.perf_counter(), 0.0
        while (elapsed := time.perf_counter() - started) < seconds:
            trainer.run_batches(5)
            if elapsed >= next_check:
                with torch.no_grad():
                    kl = float(kl_per_dimension(model, test).sum())
                    elbo = float(model.elbo(test, generator=torch.Generator().manual_seed(0))
                                 .elbo.mean())
                timeline.append({"s": round(elapsed, 1), "epochs": round(trainer.epochs_done, 1),
                                 "test_elbo": round(elbo, 1), "test_kl": round(kl, 2),
                                 "classes": recognised_classes(model, classifier)})
                next_check += 2.0
        results[f"beta_{beta:g}"] = timeline
        if beta == 1.0:
            first = next((t for t in timeline if t["classes"] >= 8), None)
            results["standalone_seconds_to_8_classes"] = first and first["s"]
            results["epochs_to_8_classes"] = first and first["epochs"]
        else:
            results["beta_32_max_test_kl_after_3s"] = max(t["test_kl"] for t in timeline[1:])
            results["beta_32_final_classes"] = timeline[-1]["classes"]
    shipped = load_pretrained("vae2d-mnist", device="cpu")
    results["shipped_recognised_classes"] = recognised_classes(shipped, classifier)
    return results


def fresh_run(train: torch.Tensor, latent: int, beta: float, epochs: int,
              seed: int = 1) -> tuple[VAE, VAETrainer]:
    """The panel's first run (RetrainPanel.prepare): weights and batches from one generator."""
    generator = torch.Generator().manual_seed(seed)
    model = VAE(VAEConfig(**RETRAIN, latent=latent))
    model.reset_parameters(generator)
    model.init_output_bias(train)
    config = VAETrainConfig(epochs=epochs, lr=1e-3, beta=beta, seed=seed)
    return model, VAETrainer(model, train, config, generator=generator)


def bench_beta(epochs: int = 100) -> dict[str, object]:
    """The β numbers the app and README quote, at the END of a run of ``epochs`` epochs (the
    panel's default): the last epoch's training KL, the test KL, and the active units by Burda
    et al.'s criterion Cov_x(E_q[z_u]) > 0.01 (and, for comparison, by mean KL > 0.1 nats)."""
    train = torch.from_numpy(load_mnist("train", binarize=True)[0])
    test = torch.from_numpy(load_mnist("test", binarize=True)[0])
    results: dict[str, object] = {}
    for latent, beta in ((2, 1.0), (2, 4.0), (2, 16.0), (2, 32.0), (20, 4.0), (20, 16.0)):
        model, trainer = fresh_run(train, latent, beta, epochs)
        while not trainer.done:
            last = trainer.step()
        per_dim = kl_per_dimension(model, test)
        results[f"latent_{latent}_beta_{beta:g}"] = {
            "epochs": epochs, "train_kl_last_epoch": round(last["kl"], 2),
            "test_kl": round(float(per_dim.sum()), 2),
            "active_burda": active_units(model, test),
            "active_kl_above_0.1": int((per_dim > 0.1).sum()),
        }
    return results


def bench_browser() -> dict[str, float]:
    with served_page(
        "vae_manifold", ".explorer-vae-plane .explorer-latent-plane-area"
    ) as (page, cold_start):
        page.wait_for_selector(".explorer-vae-decoded canvas", timeout=60_000)
        page.wait_for_timeout(1500)
        drag = page.locator(".explorer-vae-plane .explorer-latent-plane-area").first
        drag.scroll_into_view_if_needed()
        box = drag.bounding_box()
        rng = np.random.default_rng(0)
        hovers, misses = hover_trials(page, box, rng, 40)
        # Retraining in the page: Train, hover while it runs, read its speed, time Stop.
        page.locator(".explorer-vae-retrain").scroll_into_view_if_needed()
        page.locator(".explorer-vae-retrain button", has_text="Train").click()
        page.wait_for_selector(".explorer-vae-retrain-readout b", timeout=20_000)
        t0, e0 = time.perf_counter(), live_epoch(page)
        drag.scroll_into_view_if_needed()
        box = drag.bounding_box()
        busy_hovers, busy_misses = hover_trials(page, box, rng, 30)
        page.wait_for_timeout(max(0, 10_000 - 1000 * (time.perf_counter() - t0)))
        rate = (live_epoch(page) - e0) / (time.perf_counter() - t0)
        stop_ms = page.evaluate(STOP_JS)
    return {
        "cold_start_s": round(cold_start, 2),
        "hover_to_decoded_median_ms": round(1000 * float(np.median(hovers)), 1),
        "hover_to_decoded_p90_ms": round(1000 * float(np.percentile(hovers, 90)), 1),
        "hover_samples": len(hovers),
        "hover_misses": misses,
        "hover_while_training_median_ms": round(1000 * float(np.median(busy_hovers)), 1),
        "hover_while_training_p90_ms": round(1000 * float(np.percentile(busy_hovers, 90)), 1),
        "hover_while_training_misses": busy_misses,
        "stop_answers_ms": round(stop_ms, 1),
        "in_app_retrain_epochs_per_s": round(rate, 2),
    }


def hover_trials(page, box: dict, rng: np.random.Generator, n: int) -> tuple[list[float], int]:
    """Move the real pointer to ``n`` random places on the plane; seconds until the decoded
    digit is redrawn (checked every frame), and how many moves drew no new digit."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    strip = ".explorer-vae-decoded .explorer-digit-strip"
    seconds, misses = [], 0
    for _ in range(n):
        fx, fy = rng.uniform(0.05, 0.95, 2)  # a new place, far from the last one
        version = page.eval_on_selector(strip, "e => e.dataset.version")
        t0 = time.perf_counter()
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        try:
            page.wait_for_function(
                f"v => document.querySelector('{strip}').dataset.version !== v",
                arg=version, timeout=3000, polling="raf")
            seconds.append(time.perf_counter() - t0)
        except PlaywrightTimeout:
            misses += 1  # the cursor stayed on the same dot / grid point: nothing new to draw
        page.wait_for_timeout(150)  # past the app's hover throttle
    return seconds, misses


def live_epoch(page) -> float:
    """The epoch count shown by the retraining readout ("epoch 12.3 of 40")."""
    return float(page.inner_text(".explorer-vae-retrain-readout").split()[1])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-retrain", action="store_true")
    parser.add_argument("--beta", action="store_true", help="the β table (~2 min on one core)")
    args = parser.parse_args()
    results: dict[str, object] = {"torch_threads": torch.get_num_threads()}
    results.update(bench_bounds())
    results.update(bench_python_side())
    if not args.skip_retrain:
        results["retrain"] = bench_retrain()
    if args.beta:
        results["beta"] = bench_beta()
    if not args.skip_browser:
        results.update(bench_browser())
    retrain = results.get("retrain", {})
    if retrain.get("epochs_to_8_classes") and results.get("in_app_retrain_epochs_per_s"):
        results["in_app_seconds_to_8_classes"] = round(
            retrain["epochs_to_8_classes"] / results["in_app_retrain_epochs_per_s"], 1)
    print(json.dumps(results, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "vae.json").write_text(json.dumps(results, indent=2))
