"""The evaluation numbers (§20.14): every shipped model's test log-likelihood under two
binarizations, the RBM's and the DBM's AIS log Z against the number of temperatures, the DGAs'
estimator diagnostics and Table 1 beside the seed's. Writes pretrained/evaluation/report.json,
which apps/evaluation.ipynb reads.

    OMP_NUM_THREADS=1 python benchmarks/bench_evaluation.py [--sizes 10 100 1000 5000]
    OMP_NUM_THREADS=1 python benchmarks/bench_evaluation.py --only dbm-mnist   # merge one model

``--only NAME …`` scores just those shipped models and merges them into the existing report
(their old rows and entries are replaced; the others are kept).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from explorer.errors import ConfigError  # noqa: E402
from explorer.metrics.likelihood_table import (  # noqa: E402
    AIS_RUNS,
    AIS_SIZES,
    DBM_AIS_SIZES,
    build_report,
    load_report,
    markdown_table,
    merge_reports,
    save_report,
)
from explorer.weights import list_pretrained, load_pretrained  # noqa: E402

KINDS = ("rbm", "vae", "dga", "nade", "dbm")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(AIS_SIZES))
    parser.add_argument("--runs", type=int, default=AIS_RUNS)
    parser.add_argument("--dbm-sizes", type=int, nargs="+", default=list(DBM_AIS_SIZES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", default=None, metavar="NAME",
                        help="score only these shipped models and merge them into the report")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = [name for name, card in list_pretrained() if card.get("kind") in KINDS]
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            raise ConfigError(f"not shipped models of kinds {KINDS}: {unknown}")
        names = [n for n in names if n in args.only]
    models = {name: load_pretrained(name, device="cpu") for name in names}
    started = time.perf_counter()
    report = build_report(models, ais_sizes=tuple(args.sizes), ais_runs=args.runs, seed=args.seed,
                          dbm_ais_sizes=tuple(args.dbm_sizes))
    if args.only:
        old = load_report()
        if old is None:
            raise ConfigError("--only merges into an existing report: run without it first")
        report = merge_reports(old, report)
    else:
        report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"wrote {save_report(report)} ({time.perf_counter() - started:.0f} s)\n")
    print(markdown_table(report))
    for name, runs in report["ais"].items():
        print(f"\nAIS for {name}: temperatures, log Z ± SE, test log-likelihood")
        for r in runs:
            print(f"  {r['n_betas']:6d}  {r['log_z']:9.2f} ± {r['se']:.2f}  "
                  f"{r['test_log_likelihood']:8.2f}")
    for name, info in report["dga"].items():
        if "marginal" in info:
            more = info["more_centroids"]
            print(f"\n{name}: seed §5.1 log Z {info['log_z']:.2f} ± {info['log_z_se']:.2f} "
                  f"(ESS {info['ess']:.1f}, {info['n_centroids']} centroids), "
                  f"{more['log_z']:.2f} ± {more['log_z_se']:.2f} with {more['n_centroids']} "
                  f"(shift {info['shift_in_se']:.1f} SE"
                  f"{', unreliable' if info['unreliable'] else ''})")
            print("  log P* terms: " + ", ".join(f"{k} {v:.2f}"
                                                for k, v in info["p_star_terms"].items()))
        print(f"\nTable 1 for {name} (ours on the embedded test digits | seed, full MNIST)")
        for key, stats in info["table1"].items():
            seed = report["seed_table1"].get(key, {})
            cells = "  ".join(f"{stats[k]:7.1f} | {seed.get(k, float('nan')):5.1f}"
                              for k in ("entropy_bits", "active_bits", "offdiag_corr_norm"))
            print(f"  {key:5s} {cells}")


if __name__ == "__main__":
    main()
