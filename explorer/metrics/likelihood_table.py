"""One test log-likelihood table for every shipped model (chapter §20.14), precomputed once.

Every model is scored on the same test split, in nats per digit, with its own estimator named:

- RBM: ``mean(−F(x)) − log Ẑ`` with Ẑ from AIS (:mod:`.ais`), one estimate per number of
  intermediate temperatures (the convergence the app charts); the table uses the largest;
- VAE: the importance-weighted bound IWAE₅₀₀ (eq. 20.79), a lower bound;
- DBM: the mean-field bound ``E_Q[−E] + H(Q) − log Ẑ`` (eq. 20.35) with Ẑ from AIS over the
  even layers (:mod:`.dbm_ais`), a lower bound only if ``log Ẑ`` is not too low — a stochastic
  bound, optimistic when AIS is unconverged; its AIS convergence is charted like the RBM's;
- DGA: the seed's §5.1 ``log P*(x) − log Ẑ`` with Ẑ by importance sampling (:mod:`.dga_eval`),
  with the effective sample size of its weights in the method. Ẑ is computed twice, with
  ``DGA_IS_CENTROIDS`` and ten times as many mixture centroids: when it moves by more than
  twice its reported standard error the row is marked unreliable (at an ESS of a handful, Ẑ rests
  on one draw and is probably too small, so the number is optimistic). A second row,
  ``log P*(x)`` itself, is a lower bound on the sampler's log P(x) (Proposition 1, no estimate);
  a third, importance sampling over codes (:mod:`.dga_marginal`), a stochastic lower bound on the
  same log P(x) that is never below log P*(x) and errs only low;
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
from explorer.metrics.dbm_ais import dbm_ais_convergence, dbm_base_biases, dbm_log_likelihood_bound
from explorer.metrics.dga_eval import (
    SEED_TABLE1,
    SEED_TEST_LL,
    importance_log_z,
    table1,
)
from explorer.metrics.dga_marginal import marginal_log_likelihood, p_star_terms

BINARIZATIONS = ("threshold", "stochastic")
AIS_SIZES = (10, 100, 1000, 5000, 20000)  # 20,000 as in Salakhutdinov & Hinton (2009)
DBM_AIS_SIZES = AIS_SIZES  # the same budget for both Boltzmann machines
AIS_RUNS = 100
IWAE_K = 500
DGA_IS_SAMPLES, DGA_IS_CENTROIDS = 5000, 500
DGA_CODE_SAMPLES = 1000  # importance samples over codes per test digit (dga_marginal)
UNRELIABLE_SHIFT = 2.0  # a log Ẑ that moves by more than this many SEs is marked unreliable
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


def _dga_entry(model, tests: dict[str, torch.Tensor], seed: int, code_samples: int
               ) -> dict[str, Any]:
    """The seed's Ẑ at two mixture sizes (and whether it moved by more than ``UNRELIABLE_SHIFT``
    of its SEs), importance sampling over codes per binarization, log P* terms, Table 1."""
    ests = [importance_log_z(model, DGA_IS_SAMPLES, n, torch.Generator().manual_seed(seed))
            for n in (DGA_IS_CENTROIDS, 10 * DGA_IS_CENTROIDS)]
    shift = ests[1].log_z - ests[0].log_z
    est = ests[0]
    return {
        "depth": model.depth, "log_z": est.log_z, "log_z_se": est.se, "ess": est.ess,
        "n_samples": est.n_samples, "n_centroids": est.n_centroids,
        "more_centroids": {"n_centroids": ests[1].n_centroids, "log_z": ests[1].log_z,
                           "log_z_se": ests[1].se, "ess": ests[1].ess},
        "shift": shift, "shift_in_se": abs(shift) / est.se,
        "unreliable": abs(shift) > UNRELIABLE_SHIFT * est.se,
        "marginal": {scheme: marginal_log_likelihood(model, x, code_samples, seed)
                     for scheme, x in tests.items()},
        "p_star_terms": p_star_terms(model, tests["threshold"]),
        "table1": table1(model, tests["threshold"]),
    }


@torch.no_grad()
def build_report(
    models: dict[str, Any],
    source: str | None = None,
    seed: int = 0,
    ais_sizes: tuple[int, ...] = AIS_SIZES,
    ais_runs: int = AIS_RUNS,
    iwae_k: int = IWAE_K,
    log: Any = print,
    dbm_ais_sizes: tuple[int, ...] = DBM_AIS_SIZES,
    dga_code_samples: int = DGA_CODE_SAMPLES,
) -> dict[str, Any]:
    """The table (rows per model × binarization), the RBM's and the DBM's AIS convergence, the
    DGAs' estimator diagnostics and Table 1, as a JSON-able dict. ``models``: shipped name ->
    loaded model."""
    from explorer.data import load_mnist, split_info

    tests = {b: torch.from_numpy(load_mnist("test", binarize=b, source=source)[0])
             for b in BINARIZATIONS}
    train_x = torch.from_numpy(load_mnist("train", binarize=True, source=source)[0])
    rows: list[dict[str, Any]] = []
    report: dict[str, Any] = {
        "data": split_info(source), "n_test": len(tests["threshold"]),
        "binarizations": {b: split_info(source, b)["binarization"] for b in BINARIZATIONS},
        "rows": rows, "ais": {}, "ais_kind": {}, "dga": {}, "seed_table1": SEED_TABLE1,
        "seed_test_ll": SEED_TEST_LL, "timings": {},
    }

    def add(name: str, kind: str, method: str, scheme: str, mean: float, se: float,
            label: str | None = None) -> None:
        rows.append({"model": label or name, "shipped": name, "kind": kind, "method": method,
                     "binarization": scheme, "log_likelihood": round(mean, 3),
                     "se": round(se, 3)})

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
        elif kind == "dbm":
            results = dbm_ais_convergence(model, dbm_ais_sizes, ais_runs,
                                          dbm_base_biases(model, train_x), seed)
            report["ais"][name] = [
                {**as_dict(r), "test_log_likelihood": dbm_log_likelihood_bound(
                    model, tests["threshold"], r)["log_likelihood_bound"]} for r in results]
            best = results[-1]
            for scheme, x in tests.items():
                ll = dbm_log_likelihood_bound(model, x, best)
                add(name, kind, f"mean-field bound − log Ẑ, AIS ({ais_runs} runs × "
                    f"{best.n_betas} temperatures): a stochastic lower bound, optimistic if "
                    "log Ẑ is too low", scheme, ll["log_likelihood_bound"],
                    ll["log_likelihood_se"])
        elif kind == "vae":
            for scheme, x in tests.items():
                gen = torch.Generator().manual_seed(seed)
                mean, se = _mean_se(model.iwae_bound(x, iwae_k, generator=gen))
                add(name, kind, f"IWAE_{iwae_k} (lower bound)", scheme, mean, se)
        elif kind == "dga":
            info = report["dga"][name] = _dga_entry(model, tests, seed, dga_code_samples)
            verdict = "; unreliable" if info["unreliable"] else ""
            for scheme, x in tests.items():
                mean, se = _mean_se(model.log_p_star(x))
                add(name, kind, f"IS for Z (seed §5.1, {DGA_IS_SAMPLES} samples, "
                    f"{DGA_IS_CENTROIDS} centroids, ESS {info['ess']:.0f}{verdict})", scheme,
                    mean - info["log_z"], math.hypot(se, info["log_z_se"]))
                add(name, kind, "log P*(x), a lower bound (Prop. 1)", scheme, mean, se,
                    label=f"{name} (log P*)")
                marginal = info["marginal"][scheme]
                add(name, kind, f"IS over codes ({dga_code_samples} per digit, median ESS "
                    f"{marginal['median_ess']:.0f}): a stochastic lower bound on log P(x)",
                    scheme, marginal["log_likelihood"], marginal["log_likelihood_se"],
                    label=f"{name} (IS over codes)")
        elif kind == "nade" and hasattr(model, "log_prob"):
            for scheme, x in tests.items():
                mean, se = _mean_se(model.log_prob(x))
                add(name, kind, "exact", scheme, mean, se)
        else:
            continue
        if kind in ("rbm", "dbm"):
            report["ais_kind"][name] = kind
        report["timings"][name] = round(time.perf_counter() - started, 1)
        log(f"{name}: {report['timings'][name]:.1f} s")
    report["dga_ll_threshold"] = _dga_ll(rows)
    return report


def _dga_ll(rows: list[dict[str, Any]]) -> dict[str, float]:
    return {r["model"]: r["log_likelihood"] for r in rows
            if r["kind"] == "dga" and r["binarization"] == "threshold"}


def _shipped(row: dict[str, Any]) -> str:
    return row.get("shipped", row["model"].split(" (")[0])


def merge_reports(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``old`` with every model of ``new`` replaced by (or added as) ``new``'s rows and entries;
    rows sorted by shipped model; ``timings`` keeps each model's seconds, a whole run's
    ``seconds`` is dropped. Both must score the same data (``ConfigError`` otherwise)."""
    from explorer.errors import ConfigError

    for key in ("data", "n_test", "binarizations"):
        if old.get(key) != new.get(key):
            raise ConfigError(f"cannot merge reports on different data ({key}: "
                              f"{old.get(key)!r} vs {new.get(key)!r})")
    names = {_shipped(r) for r in new["rows"]}
    merged = {**old, "rows": sorted([r for r in old["rows"] if _shipped(r) not in names]
                                    + new["rows"], key=_shipped)}
    for key in ("ais", "ais_kind", "dga", "timings"):
        merged[key] = {**{k: v for k, v in old.get(key, {}).items() if k not in names},
                       **new.get(key, {})}
    merged["dga_ll_threshold"] = _dga_ll(merged["rows"])
    merged.pop("seconds", None)  # a whole run's time no longer describes the merged report
    return merged


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
