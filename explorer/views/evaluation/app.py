"""The evaluation app's behaviour (chapter §20.14; seed 004 for the DGA).

What is slow (AIS, the importance-sampled normalisers, IWAE₅₀₀) is read from the precomputed
report (:func:`explorer.metrics.likelihood_table.load_report`); what is fast (samples, nearest
neighbours, DGA samples per depth and interpolations) is computed on open from seeded generators
by tested functions in :mod:`explorer.metrics` and :mod:`explorer.models.dga`.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch

from explorer.metrics.likelihood_table import BINARIZATIONS, load_report
from explorer.metrics.neighbours import samples_beside_neighbours
from explorer.views.charts import line_chart_svg
from explorer.views.evaluation import text
from explorer.views.page import add_page_bar
from explorer.views.status import StatusLine, explainer, labelled_button
from explorer.views.widgets import DigitStrip

GENERATIVE_KINDS = ("rbm", "vae", "dga", "nade", "dbm")
N_SAMPLES = 6
N_INTERP = 9
PAIR = (7, 12)  # two test digits of different classes (checked by the tests: not the same label)
TABLE1_COLUMNS = (("entropy_bits", "entropy (bits)"), ("active_bits", "active bits"),
                  ("offdiag_corr_norm", "‖Corr − diag‖_F"))


def _shipped_models() -> dict[str, Any]:
    from explorer.data import trained_on_embedded
    from explorer.weights import list_pretrained, load_pretrained

    # Only models of the embedded digits: their nearest training digit is searched among those
    # (rbm-mnist-full, trained on full MNIST, is not shown here).
    return {name: load_pretrained(name, device="cpu") for name, card in list_pretrained()
            if card.get("kind") in GENERATIVE_KINDS and trained_on_embedded(card)}


def likelihood_table_html(report: dict[str, Any]) -> str:
    """The report's rows as an HTML table: model, method, one column per binarization."""
    by_model: dict[str, dict[str, Any]] = {}
    for row in report["rows"]:
        by_model.setdefault(row["model"], {"method": row["method"]})[row["binarization"]] = row
    head = "".join(f"<th>{html.escape(report['binarizations'][b])}</th>" for b in BINARIZATIONS)
    body = []
    for name, cells in by_model.items():
        values = "".join(
            f"<td>{cells[b]['log_likelihood']:.2f} ± {cells[b]['se']:.2f}</td>" if b in cells
            else "<td>–</td>" for b in BINARIZATIONS)
        body.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(cells['method'])}</td>"
                    f"{values}</tr>")
    return ('<table class="explorer-likelihood-table" style="border-collapse:collapse" '
            'border="1" cellpadding="4"><tr><th>model</th><th>method</th>'
            f"{head}</tr>{''.join(body)}</table>")


def table1_html(ours: dict[str, dict[str, float]], seed: dict[str, dict[str, float]]) -> str:
    """Table 1, ours beside the seed's, one row per representation."""
    head = "".join(f"<th>{label}<br>ours | seed</th>" for _, label in TABLE1_COLUMNS)
    body = []
    for key, stats in ours.items():
        cells = "".join(
            f"<td>{stats[c]:.1f} | {seed[key][c]:.1f}</td>" if key in seed
            else f"<td>{stats[c]:.1f} | –</td>" for c, _ in TABLE1_COLUMNS)
        body.append(f"<tr><td>{html.escape(key)}</td>{cells}</tr>")
    return ('<table class="explorer-table1" style="border-collapse:collapse" border="1" '
            f'cellpadding="4"><tr><th>samples</th>{head}</tr>{"".join(body)}</table>')


def ais_chart_svg(runs: list[dict[str, Any]]) -> str:
    """log Z ± SE against the run index (temperatures listed beneath), as an SVG line chart."""
    z = np.array([r["log_z"] for r in runs])
    se = np.array([r["se"] for r in runs])
    svg = line_chart_svg(np.stack([z, z - se, z + se]), "AIS log Z ± SE",
                         x_label="run (more temperatures →)")
    sizes = ", ".join(f"{r['n_betas']:,}" for r in runs)
    return f'<div class="explorer-ais-chart">{svg}<div>temperatures per run: {sizes}</div></div>'


def ais_rows_html(runs: list[dict[str, Any]], kind: str = "rbm") -> str:
    rows = "".join(
        f"<tr><td>{r['n_betas']:,}</td><td>{r['log_z']:.2f} ± {r['se']:.2f}</td>"
        f"<td>{r['test_log_likelihood']:.2f}</td></tr>" for r in runs)
    return ('<table class="explorer-ais-table" border="1" cellpadding="4" '
            'style="border-collapse:collapse"><tr><th>temperatures</th><th>log Z ± SE</th>'
            f"<th>{text.AIS_LL_HEADER[kind]}</th></tr>{rows}</table>")


def dga_estimator_note(name: str, info: dict[str, Any], report: dict[str, Any]) -> str:
    """The sentence on the seed's §5.1 estimate of ``name`` and the estimate over codes, filled
    in from the report: "unreliable" only when Ẑ moved by more than twice its reported SE."""
    more, marg = info["more_centroids"], info["marginal"]["threshold"]
    normalised = next(r["log_likelihood"] for r in report["rows"]
                      if r["model"] == name and r["binarization"] == "threshold")
    values = dict(
        model=html.escape(name), ess=info["ess"], n=info["n_samples"], n1=info["n_centroids"],
        n2=more["n_centroids"], z1=info["log_z"], z2=more["log_z"], shift=info["shift"],
        ratio=info["shift_in_se"], se=info["log_z_se"], ll=normalised,
        direction=text.DIRECTION_HIGH if info["shift"] > 0 else text.DIRECTION_LOW,
        k=marg["n_samples"], marg=marg["log_likelihood"], marg_se=marg["log_likelihood_se"],
        marg_ess=marg["median_ess"], pstar=marg["log_p_star"])
    template = text.DGA_UNRELIABLE if info["unreliable"] else text.DGA_RELIABLE
    return f'<div class="explorer-dga-estimator">{template.format(**values)}</div>'


MAX_SEED = 1_000_000


def apply_link(app: EvaluationApp, params: dict[str, str]) -> list[str]:
    """``?seed=N`` draws the samples with seed N (what "New samples" moves on from)."""
    problems = [f"unknown setting {key!r}" for key in sorted(set(params) - {"seed"})]
    seed = params.get("seed")
    if seed is not None:
        if seed.isdigit() and int(seed) <= MAX_SEED:
            app.draw_samples(int(seed))
        else:
            problems.append(f"seed {seed!r} is not a whole number from 0 to {MAX_SEED}")
    return problems


def link_state(app: EvaluationApp) -> dict[str, object]:
    return {"seed": app.seed}


class EvaluationApp(widgets.VBox):
    """The page; ``models`` and ``report`` default to the shipped ones (tests pass their own)."""

    def __init__(
        self,
        models: dict[str, Any] | None = None,
        report: dict[str, Any] | None | bool = True,
        seed: int = 0,
    ) -> None:
        from explorer.data import load_mnist

        self.status = StatusLine()
        self.models = _shipped_models() if models is None else models
        self.report = load_report() if report is True else (report or None)
        self.seed = seed
        self.train_x = load_mnist("train", binarize=True)[0]
        self.test_x, self.test_y = load_mnist("test", binarize=True)
        self.pair = PAIR
        self.strips: dict[str, DigitStrip] = {}
        self.distances: dict[str, np.ndarray] = {}
        sections: list[widgets.Widget] = [explainer(text.INTRO), self.status,
                                          widgets.HTML(text.SAMPLES_TITLE),
                                          explainer(text.SAMPLES_HELP)]
        self.new_samples = labelled_button(text.NEW_SAMPLES)
        self.new_samples.on_click(self.status.guard(lambda _: self.draw_samples(self.seed + 1)))
        sections.append(self.new_samples)
        for name in self.models:
            strip = DigitStrip(scale=3)
            strip.add_class("explorer-samples-" + name)
            self.strips[name] = strip
            sections += [widgets.HTML(f"<b>{html.escape(name)}</b>"), strip]
        sections += self._report_sections()
        sections += self._dga_sections()
        super().__init__(sections)
        self.add_class("explorer-app")
        self.add_class("explorer-app-evaluation")
        self.draw_samples(seed)
        self.draw_interpolations()
        add_page_bar(self, apply_link, link_state)  # ?seed=3: that draw of samples

    # --- sections -------------------------------------------------------------------------
    def _report_sections(self) -> list[widgets.Widget]:
        if self.report is None:
            return [widgets.HTML(text.TABLE_TITLE), explainer(text.NO_REPORT)]
        out = [widgets.HTML(text.TABLE_TITLE), explainer(text.TABLE_HELP),
               widgets.HTML(likelihood_table_html(self.report))]
        for name, runs in self.report.get("ais", {}).items():
            kind = self.report.get("ais_kind", {}).get(name, "rbm")
            helper = text.DBM_AIS_HELP if kind == "dbm" else text.AIS_HELP
            out += [widgets.HTML(text.AIS_TITLE.format(model=text.AIS_MODEL[kind])),
                    explainer(helper.format(runs=runs[-1]["n_runs"])),
                    widgets.HTML(ais_chart_svg(runs)), widgets.HTML(ais_rows_html(runs, kind))]
        notes = [dga_estimator_note(name, info, self.report)
                 for name, info in self.report.get("dga", {}).items() if "marginal" in info]
        if notes:
            out += [widgets.HTML(text.DGA_ESTIMATOR_TITLE), widgets.HTML("".join(notes))]
        return out

    def _dgas(self) -> dict[str, Any]:
        return {n: m for n, m in self.models.items() if getattr(m, "kind", "") == "dga"}

    def _dga_sections(self) -> list[widgets.Widget]:
        dgas = self._dgas()
        if not dgas:
            return []
        out: list[widgets.Widget] = [widgets.HTML(text.DGA_TITLE), explainer(text.DGA_SAMPLES_HELP)]
        self.depth_strips: dict[tuple[str, int], DigitStrip] = {}
        for name, model in dgas.items():
            for depth in range(1, model.depth + 1):
                strip = DigitStrip(scale=3)
                strip.add_class("explorer-dga-depth")
                self.depth_strips[(name, depth)] = strip
                out += [widgets.HTML(f"{html.escape(name)}: prior of layer {depth}"), strip]
        out.append(explainer(text.TABLE1_HELP))
        if self.report is not None:
            for name, info in self.report.get("dga", {}).items():
                out += [widgets.HTML(f"<b>{html.escape(name)}</b>"),
                        widgets.HTML(table1_html(info["table1"], self.report["seed_table1"]))]
        deepest = max(dgas.values(), key=lambda m: m.depth)
        self.interp_model = deepest
        self.interp_strips = {d: DigitStrip(scale=3) for d in range(deepest.depth + 1)}
        self.new_pair = labelled_button(text.NEW_PAIR)
        self.new_pair.on_click(self.status.guard(lambda _: self.next_pair()))
        out += [explainer(text.INTERP_HELP), self.new_pair]
        for depth, strip in self.interp_strips.items():
            strip.add_class("explorer-interp")
            label = "pixels" if depth == 0 else ("shallow code f₁" if depth == 1
                                                 else f"deep code f{depth}∘…∘f₁")
            out += [widgets.HTML(label), strip]
        return out

    # --- behaviour ------------------------------------------------------------------------
    def draw_samples(self, seed: int) -> None:
        """Samples of every model beside their nearest training digits, and DGA depth samples."""
        self.seed = seed
        for k, (name, model) in enumerate(self.models.items()):
            samples, near, dist = samples_beside_neighbours(
                model, self.train_x, N_SAMPLES, seed=seed * 100 + k)
            self.distances[name] = dist
            images = np.stack([samples, near], axis=1).reshape(-1, samples.shape[1])
            captions = [c for d in dist for c in ("sample", f"nearest: {int(d)} px")]
            self.strips[name].show(images, captions)
        for (name, depth), strip in getattr(self, "depth_strips", {}).items():
            gen = torch.Generator().manual_seed(seed * 100 + depth)
            _, means = self.models[name].sample_from_depth(N_SAMPLES * 2, depth, gen)
            strip.show(means.numpy(), [f"layer {depth}"] * len(means))
        self.status.show(text.LOADED.format(n=len(self.models), seed=seed), "ok")

    def draw_interpolations(self) -> None:
        if not hasattr(self, "interp_strips"):
            return
        i, j = self.pair
        x1, x2 = (torch.from_numpy(self.test_x[k]) for k in (i, j))
        for depth, strip in self.interp_strips.items():
            path = self.interp_model.interpolate(x1, x2, N_INTERP, depth)
            strip.show(path.numpy(), [f"α={a:.2f}" for a in np.linspace(0, 1, N_INTERP)])

    def next_pair(self) -> None:
        i, j = self.pair
        n = len(self.test_x)
        j = (j + 1) % n
        while self.test_y[j] == self.test_y[i]:
            j = (j + 1) % n
        self.pair = (j, (j + 7) % n)
        while self.test_y[self.pair[1]] == self.test_y[self.pair[0]]:
            self.pair = (self.pair[0], (self.pair[1] + 1) % n)
        self.draw_interpolations()
        self.status.show(text.PAIR.format(i=self.pair[0], j=self.pair[1]), "ok")


def build_evaluation_app(seed: int = 0) -> EvaluationApp:
    """The evaluation page with the shipped models and the precomputed report."""
    return EvaluationApp(seed=seed)
