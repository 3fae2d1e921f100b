"""Inpainting with every model: classifier agreement, Gibbs throughput, compare-all step time.

    .venv/bin/python benchmarks/bench_inpainting_models.py [--quick] [--part NAME]

1. Agreement: the shipped classifier reads each completion of the first 500 test digits
   (threshold-binarized embedded split), per model × mask (right-half, bottom-half, random-50),
   beside the trivial baseline (the free pixels left blank) and the ceiling (the originals).
   Gibbs chains and the DAE run 200 steps (as ``explorer eval``); NADE draws one exact sample.
   One chain (one completion) per digit, seed 0, the same for every model; ``--seeds N``
   repeats it for seeds 0..N−1 (chains and random-50 % mask) and reports mean ± sd.
   ``--part consensus``: 8 chains per digit, as in the app's rows; the agreement of a single
   chain beside that of each row's consensus chain (the one nearest the others, chosen without
   the classifier; :mod:`explorer.sampling.consensus`).
   ``--part steps``: right-half agreement of the chain-based models read after 10, 50, 200
   and 1000 steps of the same chains. ``--part level``: what an exact sampler of the data's
   own conditional would score, E[p(y_true | x_clamped)], from a classifier of the clamped
   pixels trained on full MNIST (:func:`exact_sampler_level`; needs ``explorer data full``).
2. Gibbs throughput: 100 RBM chains (rbm-mnist weights, right-half mask), one sweep —
   ``ClampedGibbsChain.step`` against scikit-learn's ``BernoulliRBM.gibbs`` with the same weights,
   and against the floor, the two full matrix products of an unclamped sweep alone. With one mask
   for every chain the sweep multiplies only the free pixels' rows of W, so it is also set
   against its own floor (those two smaller products); a mask per chain (random-50 %, one seed
   per chain) takes the full-size path. One thread; medians of many repeats.
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


def agreement_table(n_digits: int = N_DIGITS, seeds: int = 1, models: tuple[str, ...] = ()
                    ) -> dict[str, dict[str, object]]:
    """Per model × mask: the agreement of seed 0, or with ``seeds`` > 1 the agreement of every
    seed 0..seeds−1 (chains and random-50 % mask alike) with its mean and sample sd.
    ``models``: only these (default: every shipped model that inpaints)."""
    images, labels = load_mnist("test")
    images, labels = images[:n_digits], labels[:n_digits]
    classifier = load_pretrained("classifier-mnist", device="cpu")

    def read(x: np.ndarray | torch.Tensor) -> float:
        digits, _ = classifier.predict(torch.as_tensor(np.asarray(x, dtype=np.float32)))
        return float((digits.numpy() == labels).mean())

    variants = []  # (row name, sampler factory, steps)
    for name in models or inpainting_models():
        model = load_pretrained(name, device="cpu")
        if model.kind == "nade":
            for order in ("random-shared", "random", "raster"):
                variants.append((f"{name} ({order} order)",
                                 partial(NADESampler, model, order=order), 1))
            continue
        variants.append((name, partial(conditional_sampler, model), N_STEPS))
        if model.kind == "dbm":
            variants.append((f"{name} (mean field)", partial(MeanFieldDBMChain, model), 50))
    table: dict[str, dict[str, object]] = {}
    table["ceiling: the originals"] = {mask: read(images) for mask in MASKS}
    table["baseline: free pixels blank"] = {
        mask: _summary([read(images * make_mask(mask, seed=seed)) for seed in range(seeds)])
        for mask in MASKS}
    for row, factory, steps in variants:
        table[row] = {}
        for mask_name in MASKS:
            values = []
            for seed in range(seeds):
                mask = np.broadcast_to(make_mask(mask_name, seed=seed), images.shape)
                sampler = factory(images, mask, len(images), torch.Generator().manual_seed(seed))
                for _ in range(steps):
                    sampler.step()
                values.append(read(sampler.completion()))
            table[row][mask_name] = _summary(values)
        print(row, table[row], flush=True)
    return table


def consensus_table(n_digits: int = N_DIGITS, seeds: int = 1, k: int = 8,
                    models: tuple[str, ...] = ()) -> dict[str, dict[str, object]]:
    """Per model × mask: ``k`` chains per digit (the app's row), read two ways — every chain on
    its own (the mean agreement of a single completion) and the row's consensus chain only
    (:func:`explorer.sampling.consensus.consensus_index`, chosen without the classifier).
    Seeds as in :func:`agreement_table`. ``models``: names or weights paths (default: every
    shipped model that inpaints)."""
    from explorer.sampling.consensus import consensus_index

    images, labels = load_mnist("test")
    images, labels = images[:n_digits], labels[:n_digits]
    classifier = load_pretrained("classifier-mnist", device="cpu")
    names = list(models) or inpainting_models()
    x = np.repeat(images, k, axis=0)  # k chains per digit
    table: dict[str, dict[str, object]] = {}
    for name in names:
        model = load_pretrained(name, device="cpu")
        steps = 1 if model.kind == "nade" else N_STEPS
        table[name] = {}
        for mask_name in MASKS:
            single, chosen = [], []
            for seed in range(seeds):
                mask = make_mask(mask_name, seed=seed)
                sampler = conditional_sampler(model, x, np.broadcast_to(mask, x.shape), len(x),
                                              torch.Generator().manual_seed(seed))
                for _ in range(steps):
                    sampler.step()
                completions = sampler.completion().float()
                digits, _ = classifier.predict(completions)
                digits = digits.numpy().reshape(n_digits, k)
                single.append(float((digits == labels[:, None]).mean()))
                pick = consensus_index(completions.reshape(n_digits, k, -1),
                                       torch.from_numpy(~np.asarray(mask, dtype=bool)))
                chosen.append(float((digits[np.arange(n_digits), pick.numpy()] == labels).mean()))
            table[name][mask_name] = {"single_chain": _summary(single),
                                      f"consensus_of_{k}": _summary(chosen)}
        print(name, table[name], flush=True)
    return table


def _summary(values: list[float]) -> object:
    if len(values) == 1:
        return round(values[0], 4)
    return {"seeds": [round(v, 4) for v in values], "mean": round(float(np.mean(values)), 4),
            "sd": round(float(np.std(values, ddof=1)), 4)}


def chain_length_sweep(n_digits: int = N_DIGITS, checkpoints: tuple[int, ...] = (10, 50, 200, 1000)
                       ) -> dict[str, dict[str, float]]:
    """Right-half agreement of every chain-based model read at several step counts of the same
    chains (one chain per digit, seed 0, the agreement protocol otherwise): what the chain
    length does. NADE draws exact independent samples, so it has no chain length."""
    images, labels = load_mnist("test")
    images, labels = images[:n_digits], labels[:n_digits]
    classifier = load_pretrained("classifier-mnist", device="cpu")
    mask = np.broadcast_to(make_mask("right-half", seed=0), images.shape)
    out: dict[str, dict[str, float]] = {}
    for name in inpainting_models():
        model = load_pretrained(name, device="cpu")
        if model.kind == "nade":
            continue
        sampler = conditional_sampler(model, images, mask, len(images),
                                      torch.Generator().manual_seed(0))
        out[name] = {}
        for step in range(1, max(checkpoints) + 1):
            sampler.step()
            if step in checkpoints:
                digits, _ = classifier.predict(sampler.completion().float())
                out[name][str(step)] = float((digits.numpy() == labels).mean())
        print(name, out[name], flush=True)
    return out


def exact_sampler_level(n_digits: int = N_DIGITS, epochs: int = 4) -> dict[str, dict[str, float]]:
    """What an exact sampler of the *data's own* conditional would score, per mask.

    If completions x_free ~ p_data(x_free | x_clamped) were read faithfully, a completion shows
    digit y with probability p(y | x_clamped), so the agreement is E[p(y_true | x_clamped)]:
    the label information the clamped pixels carry, whatever the model. Estimated with the
    shipped classifier's architecture trained (shift/flip augmentation, Adam, ``epochs``) on
    the clamped pixels alone of full MNIST's 60,000 training digits minus every digit equal to
    one of the embedded 5,000 after binarization (the test digits come from there), its
    temperature fitted on the official 10,000 test digits, then averaged over the first
    ``n_digits`` embedded test digits. Needs ``explorer data full``; minutes on one core."""
    import torch.nn.functional as nnf

    from explorer.data.mnist import full_train_without_embedded
    from explorer.models.classifier import ClassifierConfig, DigitClassifier, augment

    train, train_labels = full_train_without_embedded()
    calib, calib_labels = load_mnist("test", source="full")
    x_train, y_train = torch.from_numpy(train), torch.from_numpy(train_labels)
    x_calib, y_calib = torch.from_numpy(calib), torch.from_numpy(calib_labels)
    images, labels = load_mnist("test")
    x_test, y_test = torch.from_numpy(images[:n_digits]), labels[:n_digits]
    out: dict[str, dict[str, float]] = {}
    for mask_name in MASKS:
        mask = torch.from_numpy(make_mask(mask_name, seed=0)).float()
        generator = torch.Generator().manual_seed(0)
        torch.manual_seed(0)
        model = DigitClassifier(ClassifierConfig())
        optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs)
        for _ in range(epochs):
            model.train()
            order = torch.randperm(len(x_train), generator=generator)
            for start in range(0, len(order), 128):
                idx = order[start:start + 128]
                logits = model(augment(x_train[idx], generator) * mask)
                loss = nnf.cross_entropy(logits, y_train[idx])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            schedule.step()
        model.eval()
        with torch.no_grad():
            calib_logits = torch.cat([model(x_calib[i:i + 1000] * mask)
                                      for i in range(0, len(x_calib), 1000)])
            test_logits = model(x_test * mask)
        temperature = min(np.linspace(0.5, 4.0, 71), key=lambda t: float(
            nnf.cross_entropy(calib_logits / t, y_calib)))
        p = torch.softmax(test_logits / temperature, 1).numpy()
        out[mask_name] = {"mean_p_true": round(float(p[np.arange(len(y_test)), y_test].mean()), 3),
                          "argmax_accuracy": round(float((p.argmax(1) == y_test).mean()), 3),
                          "temperature": round(float(temperature), 2),
                          "training_digits": len(x_train)}
        print(mask_name, out[mask_name], flush=True)
    return out


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
    # The same 100 digits, each chain with its own random-50 % mask: the mask-per-chain path.
    masks = np.stack([make_mask("random-50", seed=i) for i in range(100)])
    per_chain = conditional_sampler(model, images[:100], masks, 100,
                                    torch.Generator().manual_seed(0))
    h = torch.bernoulli(model.prob_h(v))
    W = model.W
    free = torch.from_numpy(~make_mask("right-half")).nonzero().squeeze(1)
    w_free, v_free = W[free].clone(), v[:, free].clone()

    def floor() -> None:
        v @ W
        h @ W.T

    def floor_free() -> None:  # the same two products over the free pixels' rows of W only
        v_free @ w_free
        h @ w_free.T

    with torch.no_grad():
        for fn in (chain.step, per_chain.step, floor, floor_free):
            for _ in range(50):
                fn()
        out = {
            "sweep_ms": median_ms(timed(chain.step, repeats)),
            "sweep_mask_per_chain_ms": median_ms(timed(per_chain.step, repeats)),
            "floor_free_rows_ms": median_ms(timed(floor_free, repeats)),
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
    out["sweep_over_free_rows_floor"] = out["sweep_ms"] / out["floor_free_rows_ms"]
    out["mask_per_chain_over_floor"] = (out["sweep_mask_per_chain_ms"]
                                        / out["floor_two_matmuls_ms"])
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
    parser.add_argument("--part", choices=("agreement", "consensus", "steps", "level", "gibbs",
                                           "compare", "browser", "all"), default="all")
    parser.add_argument("--quick", action="store_true", help="100 digits, fewer repeats")
    parser.add_argument("--seeds", type=int, default=1,
                        help="agreement: seeds 0..N-1 of chains and random mask, mean ± sd")
    parser.add_argument("--model", action="append", default=[],
                        help="agreement, consensus: only this model (repeatable; default: all)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.part in ("gibbs", "all"):
        print(json.dumps({"gibbs_throughput": gibbs_throughput(400 if args.quick else 2000)}))
    if args.part in ("compare", "all"):
        print(json.dumps({"compare_all": compare_step(20 if args.quick else 100)}))
    if args.part in ("browser", "all"):
        print(json.dumps({"compare_all_browser": compare_browser(10 if args.quick else 30)}))
    if args.part in ("steps", "all"):
        print(json.dumps({"right_half_agreement_by_steps": chain_length_sweep(
            100 if args.quick else N_DIGITS)}))
    if args.part == "level":  # not in "all": it needs full MNIST and minutes of training
        print(json.dumps({"exact_sampler_level": exact_sampler_level(
            100 if args.quick else N_DIGITS, 1 if args.quick else 4)}))
    if args.part in ("agreement", "all"):
        table = agreement_table(100 if args.quick else N_DIGITS, args.seeds, tuple(args.model))
        print(json.dumps({"agreement": table}))
    if args.part in ("consensus", "all"):
        table = consensus_table(100 if args.quick else N_DIGITS, args.seeds,
                                models=tuple(args.model))
        print(json.dumps({"consensus": table}))


if __name__ == "__main__":
    main()
