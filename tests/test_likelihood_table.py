"""The likelihood table on tiny untrained models: every model × both binarizations, the AIS
convergence rows, the DGA's Table 1, and the Markdown rendering."""

from __future__ import annotations

import json

import torch

from explorer.metrics.likelihood_table import build_report, load_report, markdown_table, save_report
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
    report = build_report({"rbm-tiny": rbm, "dga-tiny": dga}, ais_sizes=(3, 30), ais_runs=8,
                          log=lambda _: None)
    names = ("rbm-tiny", "dga-tiny", "dga-tiny (log P*)")
    assert {(r["model"], r["binarization"]) for r in report["rows"]} == {
        (m, b) for m in names for b in ("threshold", "stochastic")}
    rows = {(r["model"], r["binarization"]): r["log_likelihood"] for r in report["rows"]}
    # Σ_x P*(x) ≤ 1, so normalising can only raise the number (up to the estimate's noise)
    assert rows[("dga-tiny", "threshold")] >= rows[("dga-tiny (log P*)", "threshold")] - 0.5
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
