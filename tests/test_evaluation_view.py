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
from explorer.views.evaluation.app import (
    N_INTERP,
    N_SAMPLES,
    dga_estimator_note,
    likelihood_table_html,
    table1_html,
)
from explorer.weights import load_pretrained

REPORT = load_report()


def fake_report() -> dict:
    rows = [{"model": m, "kind": k, "method": "M", "binarization": b, "log_likelihood": v,
             "se": 0.5} for m, k, v in (("rbm-mnist", "rbm", -100.0), ("dga2-mnist", "dga", -90.0))
            for b in ("threshold", "stochastic")]
    runs = [{"n_betas": n, "log_z": z, "se": 0.1, "n_runs": 10, "test_log_likelihood": -z / 3}
            for n, z in ((10, 200.0), (100, 260.0))]
    return {"rows": rows, "binarizations": {"threshold": "thr", "stochastic": "sto"},
            "ais": {"rbm-mnist": runs, "dbm-mnist": runs}, "seed_table1": SEED_TABLE1,
            "ais_kind": {"rbm-mnist": "rbm", "dbm-mnist": "dbm"},
            "dga": {"dga2-mnist": {"table1": {k: dict(v) for k, v in SEED_TABLE1.items()},
                                   **dga_info(shift=4.0)}}}


def dga_info(shift: float) -> dict:
    se = 0.8
    return {"ess": 1.4, "n_samples": 5000, "n_centroids": 500, "log_z": -31.0, "log_z_se": se,
            "more_centroids": {"n_centroids": 5000, "log_z": -31.0 + shift, "log_z_se": 0.7},
            "shift": shift, "shift_in_se": abs(shift) / se, "unreliable": abs(shift) > 2 * se,
            "marginal": {"threshold": {"n_samples": 1000, "log_likelihood": -111.5,
                                       "log_likelihood_se": 1.25, "median_ess": 2.5,
                                       "log_p_star": -127.3}}}


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
    assert "explorer-table1" in page and "explorer-dga-estimator" in page
    # one AIS section per model, titled and headed by its kind
    assert page.count("explorer-ais-chart") == 2
    assert "log Z of the RBM" in page and "log Z of the DBM" in page
    assert "test bound (mean-field ELBO − log Ẑ)" in page


def test_dga_note_says_unreliable_only_when_the_estimate_moves() -> None:
    report = fake_report()
    shaky = dga_estimator_note("dga2-mnist", dga_info(shift=4.0), report)
    for value in ("1.4", "5,000", "500", "-31.0", "-27.0", "+4.0", "5.0 times", "0.80", "-90.00",
                  "-111.50 ± 1.25", "ESS 2.5", "-127.30"):
        assert value in shaky, value
    assert "neither the estimate nor its error bar can be trusted" in shaky
    assert "probably too high" in shaky
    steady = dga_estimator_note("dga2-mnist", dga_info(shift=1.0), report)
    assert "trusted" not in steady and "within twice" in steady and "+1.00" in steady
    down = dga_estimator_note("dga2-mnist", dga_info(shift=-4.0), report)
    assert "can be trusted" in down and "too high" not in down


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
    # AIS_HELP / DBM_AIS_HELP: with few temperatures the estimate is biased low and the
    # likelihood (the DBM's bound) too high, far above the converged one
    for runs in REPORT["ais"].values():
        assert runs[0]["log_z"] < runs[-1]["log_z"] - 3 * runs[-1]["se"]
        assert runs[0]["test_log_likelihood"] > runs[-1]["test_log_likelihood"] + 10
        # ... and its small error bar does not cover the converged value
        assert runs[0]["se"] < 2 and abs(runs[0]["log_z"] - runs[-1]["log_z"]) > 10 * runs[0]["se"]
    assert "does not cover" in text.AIS_HELP and "far above" in text.DBM_AIS_HELP
    # the DBM row is the bound with the last AIS estimate
    for name, kind in REPORT.get("ais_kind", {}).items():
        if kind == "dbm":
            assert cells[(name, "threshold")] == pytest.approx(
                REPORT["ais"][name][-1]["test_log_likelihood"], abs=1e-3)
    # the DGA rows say their ESS, and "unreliable" exactly when log Ẑ moved by more than 2 SEs
    for name, info in REPORT["dga"].items():
        method = next(r["method"] for r in REPORT["rows"] if r["model"] == name)
        assert f"ESS {info['ess']:.0f}" in method
        moved = abs(info["more_centroids"]["log_z"] - info["log_z"]) > 2 * info["log_z_se"]
        assert info["unreliable"] == moved == ("unreliable" in method)
        # the estimate over codes is never below log P* (TABLE_HELP: errs only low)
        for scheme in ("threshold", "stochastic"):
            assert cells[(f"{name} (IS over codes)", scheme)] >= cells[(f"{name} (log P*)", scheme)]


def test_only_models_of_the_embedded_digits_are_shown() -> None:
    """Samples sit beside their nearest *embedded* training digit, so a model trained on other
    digits (rbm-mnist-full) is left out, as the intro says."""
    from explorer.data import trained_on_embedded
    from explorer.views.evaluation.app import _shipped_models
    from explorer.weights import list_pretrained

    cards = dict(list_pretrained())
    assert trained_on_embedded(cards["rbm-mnist"]) and not trained_on_embedded(
        cards["rbm-mnist-full"])
    names = set(_shipped_models())
    assert "rbm-mnist" in names and "rbm-mnist-full" not in names
    assert "trained on the embedded digits" in text.INTRO
