"""Inpainting with every model: classifier agreement, Gibbs throughput, compare-all step time.

    .venv/bin/python benchmarks/bench_inpainting_models.py [--quick] [--part NAME]

1. Agreement: the shipped classifier reads each completion of the first 500 test digits
   (threshold-binarized embedded split), per model × mask (right-half, bottom-half, random-50),
   beside the trivial baseline (the free pixels left blank) and the ceiling (the originals).
   Gibbs chains and the DAE run 200 steps (as ``explorer eval``); NADE draws one exact sample.
2. Gibbs throughput: 100 RBM chains (rbm-mnist weights), one sweep — ``ClampedGibbsChain.step``
   against scikit-learn's ``BernoulliRBM.gibbs`` with the same weights, and against the floor, the
   sweep's two matrix products alone. One thread; medians of many repeats.
3. Compare-all: every inpainting model × 8 chains, one step of all rows plus the batched
   classifier reading (``CompareRows.step`` + ``readings``), server-side, median.
4. Compare-all in a real browser (``--part browser``): a real ``explorer serve``, headless
   Chromium, the inpainting app's compare-all view on a right-half mask; click → visible is the
   time from the compare view's Step click to the frame after every row's strip and the step
   count show the new step (median and 90th percentile of 30 clicks, after 5 warm-up clicks).
Prints one JSON object per part. Note ``uptime``'s load beside any timing.
"""

from __future__ import annotations

import argparse
import json
from functools import partial

import numpy as np
import torch
from common import median_ms, timed

from explorer.data import load_mnist
from explorer.sampling import conditional_sampler, make_mask, models_that_inpaint
from explorer.sampling.compare import CompareRows
from explorer.sampling.dbm_chain import MeanFieldDBMChain
from explorer.sampling.nade_sampler import NADESampler
from explorer.weights import list_pretrained, load_pretrained

MASKS = ("right-half", "bottom-half", "random-50")
N_DIGITS = 500
N_STEPS = 200


def inpainting_models() -> list[str]:
    return models_that_inpaint(list_pretrained())  # digit models only (not the 2-D DAEs)


def agreement_table(n_digits: int = N_DIGITS) -> dict[str, dict[str, float]]:
    images, labels = load_mnist("test")
    images, labels = images[:n_digits], labels[:n_digits]
    classifier = load_pretrained("classifier-mnist", device="cpu")

    def read(x: np.ndarray | torch.Tensor) -> float:
        digits, _ = classifier.predict(torch.as_tensor(np.asarray(x, dtype=np.float32)))
        return float((digits.numpy() == labels).mean())

    variants = []  # (row name, sampler factory, steps)
    for name in inpainting_models():
        model = load_pretrained(name, device="cpu")
        if model.kind == "nade":
            for order in ("random-shared", "random", "raster"):
                variants.append((f"{name} ({order} order)",
                                 partial(NADESampler, model, order=order), 1))
            continue
        variants.append((name, partial(conditional_sampler, model), N_STEPS))
        if model.kind == "dbm":
            variants.append((f"{name} (mean field)", partial(MeanFieldDBMChain, model), 50))
    table: dict[str, dict[str, float]] = {}
    table["ceiling: the originals"] = {mask: read(images) for mask in MASKS}
    table["baseline: free pixels blank"] = {
        mask: read(images * make_mask(mask, seed=0)) for mask in MASKS}
    for row, factory, steps in variants:
        table[row] = {}
        for mask_name in MASKS:
            mask = np.broadcast_to(make_mask(mask_name, seed=0), images.shape)
            sampler = factory(images, mask, len(images), torch.Generator().manual_seed(0))
            for _ in range(steps):
                sampler.step()
            table[row][mask_name] = read(sampler.completion())
        print(row, table[row], flush=True)
    return table


def gibbs_throughput(repeats: int = 2000) -> dict[str, float]:
    from sklearn.neural_network import BernoulliRBM

    model = load_pretrained("rbm-mnist", device="cpu")
    images, _ = load_mnist("test")
    v = torch.from_numpy(images[:100])
    chain = conditional_sampler(model, images[:100], np.broadcast_to(make_mask("right-half"),
                                                                     (100, 784)),
                                100, torch.Generator().manual_seed(0))
    sk = BernoulliRBM(n_components=model.config.n_hidden, random_state=0)
    sk.components_ = model.W.T.numpy().astype(np.float64).copy()
    sk.intercept_hidden_ = model.c.numpy().astype(np.float64).copy()
    sk.intercept_visible_ = model.b.numpy().astype(np.float64).copy()
    sk.random_state_ = np.random.RandomState(0)
    v_np = images[:100].astype(np.float64)
    sk32 = BernoulliRBM(n_components=model.config.n_hidden, random_state=0)
    sk32.components_ = model.W.T.numpy().copy()
    sk32.intercept_hidden_, sk32.intercept_visible_ = model.c.numpy().copy(), model.b.numpy().copy()
    sk32.random_state_ = np.random.RandomState(0)
    h = torch.bernoulli(model.prob_h(v))
    W = model.W

    def floor() -> None:
        v @ W
        h @ W.T

    with torch.no_grad():
        for fn in (chain.step, floor):
            for _ in range(50):
                fn()
        out = {
            "sweep_ms": median_ms(timed(chain.step, repeats)),
            "sklearn_gibbs_float64_ms": median_ms(timed(lambda: sk.gibbs(v_np), repeats // 4)),
            "sklearn_gibbs_float32_ms": median_ms(timed(
                lambda: sk32.gibbs(images[:100]), repeats // 4)),
            "floor_two_matmuls_ms": median_ms(timed(floor, repeats)),
            "torch_bernoulli_128k_ms": median_ms(timed(
                lambda: torch.bernoulli(torch.full((100, 1284), 0.5)), repeats // 4)),
            "rand_less_than_128k_ms": median_ms(timed(
                lambda: torch.rand(100, 1284) < 0.5, repeats // 4)),
        }
    out["sweep_over_floor"] = out["sweep_ms"] / out["floor_two_matmuls_ms"]
    out["sklearn64_over_sweep"] = out["sklearn_gibbs_float64_ms"] / out["sweep_ms"]
    return {k: round(v, 3) for k, v in out.items()}


def compare_step(repeats: int = 100) -> dict[str, float]:
    names = inpainting_models()
    models = {name: load_pretrained(name, device="cpu") for name in names}
    classifier = load_pretrained("classifier-mnist", device="cpu")
    images, labels = load_mnist("test")
    rows = CompareRows(models, images[13], make_mask("right-half"), 8, seed=0)
    per_model = {}
    for name, sampler in rows.samplers.items():
        per_model[f"{name}_step_ms"] = median_ms(timed(sampler.step, repeats))

    def all_rows() -> None:
        rows.step()
        rows.readings(classifier, int(labels[13]))

    return {"models": len(names), **{k: round(v, 2) for k, v in per_model.items()},
            "all_rows_step_and_read_ms": round(median_ms(timed(all_rows, repeats)), 2)}


COMPARE_CLICK_JS = """
async () => {
  const view = document.querySelector('.explorer-compare-all');
  const strips = [...view.querySelectorAll('.explorer-compare-chains .explorer-digit-strip')];
  // the step count's HTML widget replaces its element on every update: look it up afresh
  const count = () => [...view.querySelectorAll('span')].map(s => s.innerText.trim())
    .find(t => t.startsWith('steps:'));
  const before = strips.map(s => s.dataset.version), steps = count();
  const button = [...view.querySelectorAll('button')].find(b => b.innerText.trim() === 'Step');
  const t0 = performance.now();
  button.click();
  const done = () => count() !== steps && strips.every((s, i) => s.dataset.version !== before[i]);
  while (!done()) await new Promise(r => requestAnimationFrame(r));
  await new Promise(r => requestAnimationFrame(r));  // the frame that shows them
  return [performance.now() - t0, strips.length];
}
"""


def compare_browser(clicks: int = 30) -> dict[str, float]:
    from common import served_page

    with served_page("inpainting", ".explorer-chains canvas.explorer-digit-strip-image") as (
            page, _):
        page.get_by_role("button", name="Compare all models").click()
        n_rows = len(inpainting_models())
        page.wait_for_function(
            "(n) => document.querySelectorAll('.explorer-compare-all .explorer-compare-row')"
            ".length === n", arg=n_rows, timeout=60_000)
        page.get_by_role("button", name="Right half").click()
        page.wait_for_timeout(1000)
        for _ in range(5):
            page.evaluate(COMPARE_CLICK_JS)
        times = []
        for _ in range(clicks):
            ms, strips = page.evaluate(COMPARE_CLICK_JS)
            times.append(ms)
            page.wait_for_timeout(100)
    assert strips == n_rows, (strips, n_rows)
    return {"models": n_rows, "chains_per_model": 8, "clicks": clicks,
            "click_to_visible_median_ms": round(float(np.median(times)), 1),
            "click_to_visible_p90_ms": round(float(np.percentile(times, 90)), 1),
            "click_to_visible_max_ms": round(float(np.max(times)), 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("agreement", "gibbs", "compare", "browser", "all"),
                        default="all")
    parser.add_argument("--quick", action="store_true", help="100 digits, fewer repeats")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.part in ("gibbs", "all"):
        print(json.dumps({"gibbs_throughput": gibbs_throughput(400 if args.quick else 2000)}))
    if args.part in ("compare", "all"):
        print(json.dumps({"compare_all": compare_step(20 if args.quick else 100)}))
    if args.part in ("browser", "all"):
        print(json.dumps({"compare_all_browser": compare_browser(10 if args.quick else 30)}))
    if args.part in ("agreement", "all"):
        table = agreement_table(100 if args.quick else N_DIGITS)
        print(json.dumps({"agreement": table}))


if __name__ == "__main__":
    main()
