"""The likelihood table on tiny untrained models: every model × both binarizations, the AIS
convergence rows (RBM and DBM), the DGA's estimator diagnostics and Table 1, the Markdown
rendering, and merging a partial report into a full one."""

from __future__ import annotations

import json

import pytest
import torch

from explorer.errors import ConfigError
from explorer.metrics.likelihood_table import (
    build_report,
    load_report,
    markdown_table,
    merge_reports,
    save_report,
)
from explorer.models.dbm import DBM, DBMConfig
from explorer.models.dga import DGA, DGAConfig
from explorer.models.rbm import RBM, RBMConfig


def test_report_on_tiny_models(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("EXPLORER_MNIST", raising=False)
    gen = torch.Generator().manual_seed(0)
    rbm = RBM(RBMConfig(n_visible=784, n_hidden=8))
    rbm.W.copy_(torch.randn(784, 8, generator=gen) * 0.05)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        dga = DGA(DGAConfig(codes=[16], hidden=8))
    dbm = DBM(DBMConfig(n_hidden1=6, n_hidden2=4))
    dbm.W1.copy_(torch.randn(784, 6, generator=gen) * 0.05)
    dbm.W2.copy_(torch.randn(6, 4, generator=gen) * 0.5)
    report = build_report({"rbm-tiny": rbm, "dga-tiny": dga, "dbm-tiny": dbm}, ais_sizes=(3, 30),
                          ais_runs=8, log=lambda _: None, dbm_ais_sizes=(3, 30),
                          dga_code_samples=20)
    names = ("rbm-tiny", "dga-tiny", "dga-tiny (log P*)", "dga-tiny (IS over codes)", "dbm-tiny")
    assert {(r["model"], r["binarization"]) for r in report["rows"]} == {
        (m, b) for m in names for b in ("threshold", "stochastic")}
    rows = {(r["model"], r["binarization"]): r["log_likelihood"] for r in report["rows"]}
    # Σ_x P*(x) ≤ 1, so normalising can only raise the number (up to the estimate's noise)
    assert rows[("dga-tiny", "threshold")] >= rows[("dga-tiny (log P*)", "threshold")] - 0.5
    # importance sampling over codes is never below log P* (it adds the other codes' mass)
    for scheme in ("threshold", "stochastic"):
        assert rows[("dga-tiny (IS over codes)", scheme)] >= rows[("dga-tiny (log P*)", scheme)]
    info = report["dga"]["dga-tiny"]
    assert info["more_centroids"]["n_centroids"] == 10 * info["n_centroids"]
    assert info["unreliable"] == (abs(info["shift"]) > 2 * info["log_z_se"])
    assert ("unreliable" in next(r["method"] for r in report["rows"]
                                 if r["model"] == "dga-tiny")) == info["unreliable"]
    assert set(info["p_star_terms"]) == {"log P(x|h1)", "log P(h1)"}
    # the DBM row is the mean-field bound with the last AIS estimate, charted like the RBM's
    assert [r["n_betas"] for r in report["ais"]["dbm-tiny"]] == [3, 30]
    assert report["ais_kind"] == {"rbm-tiny": "rbm", "dbm-tiny": "dbm"}
    assert rows[("dbm-tiny", "threshold")] == pytest.approx(
        report["ais"]["dbm-tiny"][-1]["test_log_likelihood"], abs=1e-3)
    for row in report["rows"]:
        assert row["log_likelihood"] < 0 and row["se"] > 0
    assert [r["n_betas"] for r in report["ais"]["rbm-tiny"]] == [3, 30]
    assert list(report["dga"]["dga-tiny"]["table1"]) == ["data", "f1"]
    # the two binarizations of the same digits give different numbers (§20.14)
    rbm_rows = {r["binarization"]: r["log_likelihood"] for r in report["rows"]
                if r["model"] == "rbm-tiny"}
    assert rbm_rows["threshold"] != rbm_rows["stochastic"]
    table = markdown_table(report)
    assert "rbm-tiny" in table and "AIS" in table and "IS for Z" in table
    path = save_report(report, tmp_path / "r.json")
    assert load_report(path) == json.loads(json.dumps(report))
    assert load_report(tmp_path / "missing.json") is None

    # a partial report (one model, re-scored) replaces that model's rows and entries only
    partial = build_report({"dbm-tiny": dbm}, ais_sizes=(3,), ais_runs=8, log=lambda _: None,
                           dbm_ais_sizes=(3, 30, 60))
    merged = merge_reports(report, partial)
    assert [r["n_betas"] for r in merged["ais"]["dbm-tiny"]] == [3, 30, 60]
    assert merged["ais"]["rbm-tiny"] == report["ais"]["rbm-tiny"]
    assert merged["dga"] == report["dga"]
    assert len(merged["rows"]) == len(report["rows"])
    assert [r for r in merged["rows"] if r["shipped"] == "dbm-tiny"] == partial["rows"]
    assert [r["shipped"] for r in merged["rows"]] == sorted(r["shipped"] for r in merged["rows"])
    with pytest.raises(ConfigError):
        merge_reports(report, {**partial, "n_test": 3})
