"""The evaluation numbers (§20.14): every shipped model's test log-likelihood under two
binarizations, the RBM's AIS log Z against the number of temperatures, the DGAs' Table 1 beside
the seed's. Writes pretrained/evaluation/report.json, which apps/evaluation.ipynb reads.

    OMP_NUM_THREADS=1 python benchmarks/bench_evaluation.py [--sizes 10 100 1000 5000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from explorer.metrics.likelihood_table import (  # noqa: E402
    AIS_RUNS,
    AIS_SIZES,
    build_report,
    markdown_table,
    save_report,
)
from explorer.weights import list_pretrained, load_pretrained  # noqa: E402

KINDS = ("rbm", "vae", "dga", "nade")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(AIS_SIZES))
    parser.add_argument("--runs", type=int, default=AIS_RUNS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    models = {name: load_pretrained(name, device="cpu") for name, card in list_pretrained()
              if card.get("kind") in KINDS}
    started = time.perf_counter()
    report = build_report(models, ais_sizes=tuple(args.sizes), ais_runs=args.runs, seed=args.seed)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"wrote {save_report(report)}\n")
    print(markdown_table(report))
    for name, runs in report["ais"].items():
        print(f"\nAIS for {name}: temperatures, log Z ± SE, test log-likelihood")
        for r in runs:
            print(f"  {r['n_betas']:6d}  {r['log_z']:9.2f} ± {r['se']:.2f}  "
                  f"{r['test_log_likelihood']:8.2f}")
    for name, info in report["dga"].items():
        print(f"\nTable 1 for {name} (ours on the embedded test digits | seed, full MNIST)")
        for key, stats in info["table1"].items():
            seed = report["seed_table1"].get(key, {})
            cells = "  ".join(f"{stats[k]:7.1f} | {seed.get(k, float('nan')):5.1f}"
                              for k in ("entropy_bits", "active_bits", "offdiag_corr_norm"))
            print(f"  {key:5s} {cells}")


if __name__ == "__main__":
    main()
