"""One test log-likelihood table for every shipped model (chapter §20.14), precomputed once.

Every model is scored on the same test split, in nats per digit, with its own estimator named:

- RBM: ``mean(−F(x)) − log Ẑ`` with Ẑ from AIS (:mod:`.ais`), one estimate per number of
  intermediate temperatures (the convergence the app charts); the table uses the largest;
- VAE: the importance-weighted bound IWAE₅₀₀ (eq. 20.79), a lower bound;
- DGA: the seed's §5.1 ``log P*(x) − log Ẑ`` with Ẑ by importance sampling (:mod:`.dga_eval`),
  with the effective sample size of its weights in the method (when it is a handful, Ẑ is
  dominated by one draw and probably too small, so the number is optimistic); and a second row,
  ``log P*(x)`` itself, which Proposition 1 makes a lower bound on log P(x) (no estimate needed);
- NADE (if a ``nade`` model is shipped and offers ``log_prob``): exact.

Each model is scored under two binarizations of the same test digits — the threshold the shipped
models were trained on and the fixed-seed stochastic one (:func:`explorer.data.load_mnist`) —
because §20.14 warns that numbers under different binarizations are not comparable: the table
shows by how much they move. Partition-function estimates do not depend on the data, so each is
computed once and reused for both rows. The error bar is one standard error, combining the test
mean's with the estimator's (delta method).

:func:`build_report` is slow (minutes: AIS); ``benchmarks/bench_evaluation.py`` runs it and writes
:func:`report_path`, which the evaluation app reads so that it opens in seconds.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import torch

from explorer.metrics.ais import ais_convergence, as_dict, base_rate_biases, rbm_log_likelihood
from explorer.metrics.dga_eval import (
    SEED_TABLE1,
    SEED_TEST_LL,
    importance_log_z,
    table1,
)

BINARIZATIONS = ("threshold", "stochastic")
AIS_SIZES = (10, 100, 1000, 5000)
AIS_RUNS = 100
IWAE_K = 500
DGA_IS_SAMPLES, DGA_IS_CENTROIDS = 5000, 500
REPORT_NAME = "report.json"


def report_path() -> Path:
    """``pretrained/evaluation/report.json`` (beside the weights; not itself a weights card)."""
    from explorer.weights import pretrained_dir

    return pretrained_dir() / "evaluation" / REPORT_NAME


def load_report(path: Path | None = None) -> dict[str, Any] | None:
    """The precomputed report, or ``None`` when it has not been built."""
    path = report_path() if path is None else path
    if not path.is_file():
        return None
    return json.loads(path.read_text())


def _mean_se(values: torch.Tensor) -> tuple[float, float]:
    values = values.double()
    return float(values.mean()), float(values.std() / math.sqrt(len(values)))


@torch.no_grad()
def build_report(
    models: dict[str, Any],
    source: str | None = None,
    seed: int = 0,
    ais_sizes: tuple[int, ...] = AIS_SIZES,
    ais_runs: int = AIS_RUNS,
    iwae_k: int = IWAE_K,
    log: Any = print,
) -> dict[str, Any]:
    """The table (rows per model × binarization), the RBM's AIS convergence and the DGAs'
    Table 1, as a JSON-able dict. ``models``: shipped name -> loaded model."""
    from explorer.data import load_mnist, split_info

    tests = {b: torch.from_numpy(load_mnist("test", binarize=b, source=source)[0])
             for b in BINARIZATIONS}
    train_x = torch.from_numpy(load_mnist("train", binarize=True, source=source)[0])
    rows: list[dict[str, Any]] = []
    report: dict[str, Any] = {
        "data": split_info(source), "n_test": len(tests["threshold"]),
        "binarizations": {b: split_info(source, b)["binarization"] for b in BINARIZATIONS},
        "rows": rows, "ais": {}, "dga": {}, "seed_table1": SEED_TABLE1,
        "seed_test_ll": SEED_TEST_LL,
    }

    def add(name: str, kind: str, method: str, scheme: str, mean: float, se: float) -> None:
        rows.append({"model": name, "kind": kind, "method": method, "binarization": scheme,
                     "log_likelihood": round(mean, 3), "se": round(se, 3)})

    for name, model in models.items():
        started = time.perf_counter()
        kind = model.kind
        if kind == "rbm":
            results = ais_convergence(model, ais_sizes, ais_runs, base_rate_biases(train_x), seed)
            report["ais"][name] = [
                {**as_dict(r), "test_log_likelihood":
                 rbm_log_likelihood(model, tests["threshold"], r)["log_likelihood"]}
                for r in results]
            best = results[-1]
            for scheme, x in tests.items():
                ll = rbm_log_likelihood(model, x, best)
                add(name, kind, f"AIS ({ais_runs} runs × {best.n_betas} temperatures)", scheme,
                    ll["log_likelihood"], ll["log_likelihood_se"])
        elif kind == "vae":
            for scheme, x in tests.items():
                gen = torch.Generator().manual_seed(seed)
                mean, se = _mean_se(model.iwae_bound(x, iwae_k, generator=gen))
                add(name, kind, f"IWAE_{iwae_k} (lower bound)", scheme, mean, se)
        elif kind == "dga":
            gen = torch.Generator().manual_seed(seed)
            est = importance_log_z(model, DGA_IS_SAMPLES, DGA_IS_CENTROIDS, gen)
            report["dga"][name] = {"depth": model.depth, "log_z": est.log_z, "log_z_se": est.se,
                                   "ess": est.ess, "table1": table1(model, tests["threshold"])}
            for scheme, x in tests.items():
                mean, se = _mean_se(model.log_p_star(x))
                add(name, kind, f"IS for Z (seed §5.1, {DGA_IS_SAMPLES} samples, "
                    f"ESS {est.ess:.0f})", scheme, mean - est.log_z, math.hypot(se, est.se))
                add(f"{name} (log P*)", kind, "log P*(x), a lower bound (Prop. 1)", scheme,
                    mean, se)
        elif kind == "nade" and hasattr(model, "log_prob"):
            for scheme, x in tests.items():
                mean, se = _mean_se(model.log_prob(x))
                add(name, kind, "exact", scheme, mean, se)
        else:
            continue
        log(f"{name}: {time.perf_counter() - started:.1f} s")
    dga_ll = {r["model"]: r["log_likelihood"] for r in rows
              if r["kind"] == "dga" and r["binarization"] == "threshold"}
    report["dga_ll_threshold"] = dga_ll
    return report


def markdown_table(report: dict[str, Any]) -> str:
    """The likelihood table as Markdown (for the README and the benchmark's output)."""
    lines = ["| model | method | threshold | stochastic |", "|---|---|---|---|"]
    by_model: dict[str, dict[str, Any]] = {}
    for row in report["rows"]:
        by_model.setdefault(row["model"], {"method": row["method"]})[row["binarization"]] = row
    for name, cells in by_model.items():
        values = [f"{cells[b]['log_likelihood']:.2f} ± {cells[b]['se']:.2f}" if b in cells
                  else "–" for b in BINARIZATIONS]
        lines.append(f"| {name} | {cells['method']} | {' | '.join(values)} |")
    return "\n".join(lines)


def save_report(report: dict[str, Any], path: Path | None = None) -> Path:
    """Write the report atomically (see :func:`report_path`)."""
    from explorer.weights import atomic_write_bytes

    path = report_path() if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(report, indent=1) + "\n").encode())
    return path
