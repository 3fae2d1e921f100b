"""The evaluation app headless: samples beside their true nearest training digits, the tables,
the buttons, and the sentences it shows checked against the numbers it shows."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.metrics.dga_eval import SEED_TABLE1, table1
from explorer.metrics.likelihood_table import load_report
from explorer.metrics.neighbours import samples_beside_neighbours
from explorer.views.evaluation import EvaluationApp, text
from explorer.views.evaluation.app import N_INTERP, N_SAMPLES, likelihood_table_html, table1_html
from explorer.weights import load_pretrained

REPORT = load_report()


def fake_report() -> dict:
    rows = [{"model": m, "kind": k, "method": "M", "binarization": b, "log_likelihood": v,
             "se": 0.5} for m, k, v in (("rbm-mnist", "rbm", -100.0), ("dga2-mnist", "dga", -90.0))
            for b in ("threshold", "stochastic")]
    runs = [{"n_betas": n, "log_z": z, "se": 0.1, "n_runs": 10, "test_log_likelihood": -z / 3}
            for n, z in ((10, 200.0), (100, 260.0))]
    return {"rows": rows, "binarizations": {"threshold": "thr", "stochastic": "sto"},
            "ais": {"rbm-mnist": runs}, "seed_table1": SEED_TABLE1,
            "dga": {"dga2-mnist": {"table1": {k: dict(v) for k, v in SEED_TABLE1.items()}}}}


@pytest.fixture(scope="module")
def models() -> dict:
    torch.set_num_threads(1)
    return {name: load_pretrained(name, device="cpu") for name in ("rbm-mnist", "dga2-mnist")}


@pytest.fixture(scope="module")
def app(models) -> EvaluationApp:
    return EvaluationApp(models=models, report=fake_report(), seed=0)


def test_each_sample_sits_beside_its_nearest_training_digit(app, models) -> None:
    for k, (name, model) in enumerate(models.items()):
        strip = app.strips[name]
        assert strip.n_images == 2 * N_SAMPLES
        samples, near, dist = samples_beside_neighbours(model, app.train_x, N_SAMPLES, seed=k)
        shown = strip.array.reshape(N_SAMPLES, 2, -1)
        np.testing.assert_allclose(shown[:, 1], near, atol=1 / 255)
        for s, d, caption in zip(samples, dist, strip.captions[1::2], strict=True):
            brute = ((s >= 0.5) != (app.train_x >= 0.5)).sum(1).min()
            assert d == brute and caption == f"nearest: {int(brute)} px"


def test_tables_show_the_numbers(app) -> None:
    report = fake_report()
    table = likelihood_table_html(report)
    assert "-100.00 ± 0.50" in table and "-90.00 ± 0.50" in table
    html1 = table1_html(report["dga"]["dga2-mnist"]["table1"], SEED_TABLE1)
    for value in ("297.6", "56.9", "47.6", "102.1", "20.1", "17.4", "63.5", "11.2", "9.4"):
        assert value in html1
    page = "".join(getattr(w, "value", "") for w in app.children)
    assert "explorer-likelihood-table" in page and "explorer-ais-chart" in page
    assert "explorer-table1" in page


def test_buttons_redraw(app) -> None:
    before = bytes(app.strips["dga2-mnist"].images)
    app.new_samples.click()
    assert app.status.kind == "ok" and bytes(app.strips["dga2-mnist"].images) != before
    pixels = app.interp_strips[0]
    assert pixels.n_images == N_INTERP
    np.testing.assert_allclose(pixels.array[0], app.test_x[app.pair[0]], atol=1 / 255)
    old = app.pair
    app.new_pair.click()
    assert app.pair != old and app.test_y[app.pair[0]] != app.test_y[app.pair[1]]
    np.testing.assert_allclose(app.interp_strips[0].array[-1], app.test_x[app.pair[1]],
                               atol=1 / 255)
    assert set(app.interp_strips) == {0, 1, 2}


def test_missing_report_says_how_to_make_it(models) -> None:
    app = EvaluationApp(models={"dga2-mnist": models["dga2-mnist"]}, report=None)
    page = "".join(getattr(w, "value", "") for w in app.children)
    assert "bench_evaluation.py" in page and "explorer-likelihood-table" not in page


def test_deeper_codes_are_more_factorised(app, models) -> None:
    """DGA_SAMPLES_HELP: 'Deeper codes are more factorised' — true of the shipped stack."""
    rows = table1(models["dga2-mnist"], torch.from_numpy(app.test_x))
    assert rows["f2f1"]["entropy_bits"] < rows["f1"]["entropy_bits"] < rows["data"]["entropy_bits"]
    assert rows["f2f1"]["offdiag_corr_norm"] < rows["f1"]["offdiag_corr_norm"]
    assert "more factorised" in text.DGA_SAMPLES_HELP


@pytest.mark.skipif(REPORT is None, reason="no precomputed report (benchmarks/bench_evaluation.py)")
def test_shipped_report_backs_the_sentences() -> None:
    # TABLE_HELP: under a stochastic binarization every number moves
    cells = {(r["model"], r["binarization"]): r["log_likelihood"] for r in REPORT["rows"]}
    for model, scheme in cells:
        if scheme == "threshold":
            assert abs(cells[(model, "threshold")] - cells[(model, "stochastic")]) > 1.0
    # AIS_HELP: with few temperatures the estimate is biased low and the likelihood too high
    runs = next(iter(REPORT["ais"].values()))
    assert runs[0]["log_z"] < runs[-1]["log_z"] - 3 * runs[-1]["se"]
    assert runs[0]["test_log_likelihood"] > runs[-1]["test_log_likelihood"]
    # ... and its small error bar does not cover the converged value
    assert runs[0]["se"] < 2 and abs(runs[0]["log_z"] - runs[-1]["log_z"]) > 10 * runs[0]["se"]
    assert "does not cover" in text.AIS_HELP
