"""The saddle-point app's HTML panels: the factor table and the Dirac-GAN's eigenvalue panel.

Every number and verdict comes from :mod:`explorer.games` (via the app's :class:`Run` objects
or the functions called here); this module only formats them.
"""

from __future__ import annotations

import html
import math

from explorer.games import (
    METHOD_LABELS,
    UNDECIDED,
    classify,
    clips_psi,
    dirac_eigenvalues,
    dirac_jacobian,
    dirac_local_factor,
    dirac_prediction,
)
from explorer.views.saddle import text
from explorer.views.saddle.figure import COLOURS
from explorer.views.saddle.payload import Run

VERDICT_COLOURS = {
    "converges": "#1d7a3a",
    "cycles": "#1f5fa8",
    "diverges": "#b42318",
    UNDECIDED: "#8a6d00",
}


def _fmt(x: float | None, digits: int = 6) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}f}"


def _verdict_cell(verdict: str, bold: bool = False, mark: str = "") -> str:
    colour = VERDICT_COLOURS.get(verdict, "#555")
    said = html.escape(text.UNDECIDED_CELL if verdict == UNDECIDED else verdict)
    if bold:
        said = f"<b>{said}</b>"
    return f'<td style="color:{colour}">{said}{mark}</td>'


def differs(run: Run) -> bool:
    """Prediction and measurement both decided and not the same."""
    decided = {"converges", "cycles", "diverges"}
    return (
        run.predicted_verdict in decided
        and run.measured_verdict in decided
        and run.predicted_verdict != run.measured_verdict
    )


def table_html(runs: dict[str, Run], local: bool) -> str:
    """The factor table: predicted and measured ρ and verdicts, and ‖z‖ at the end."""
    head = text.TABLE_HEAD_LOCAL if local else text.TABLE_HEAD_EXACT
    rows = []
    any_differs = False
    for m, run in runs.items():
        last = run.norms[run.n_finite - 1]
        end = f"&gt; 10⁶ at t = {run.n_finite - 1}" if run.blown else f"{last:.3g}"
        mark = "*" if differs(run) else ""
        any_differs |= bool(mark)
        note = text.REASON_NOTES.get(run.reason, "")
        note_html = f'<br><span style="font-size:12px;color:#666">{html.escape(note)}</span>'
        predicted = _verdict_cell(run.predicted_verdict)
        if note:
            predicted = predicted[:-5] + note_html + "</td>"
        rows.append(
            "<tr>"
            f'<td style="text-align:left"><span style="color:{COLOURS[m]};font-size:18px">'
            f"■</span> {html.escape(METHOD_LABELS[m])}</td>"
            f"<td>{_fmt(run.predicted)}</td><td>{_fmt(run.measured)}</td>"
            f"{predicted}{_verdict_cell(run.measured_verdict, bold=True, mark=mark)}"
            f"<td>{end}</td></tr>"
        )
    if not rows:
        rows.append(f'<tr><td colspan="6">{text.TABLE_EMPTY}</td></tr>')
    notes = text.TABLE_NOTE + (" " + text.DIFFERS_NOTE if any_differs else "")
    return (
        '<table style="border-collapse:collapse;font-size:15px;margin:6px 0" '
        'cellpadding="5">'
        '<tr style="background:#eef1f6;text-align:center">'
        f"<th>optimizer</th><th>{head}</th><th>measured ρ (per step)</th>"
        "<th>predicted</th><th>measured</th><th>‖z‖ at the end</th></tr>"
        + "".join(rows)
        + "</table>"
        f'<div style="font-size:12px;color:#555">{html.escape(notes)}</div>'
    )


def _complex(z: complex) -> str:
    return f"{z.real:+.3f} {'+' if z.imag >= 0 else '−'} {abs(z.imag):.3f}i"


def dirac_panel_html(options: dict, lr: float, flow: Run | None) -> str:
    """The Jacobian at the equilibrium, its eigenvalues, what they decide and what they cannot
    (then the nonlinear term), and which clipping is shown. ``options``: loss, regularizer,
    reg_gamma, sigma, clip; ``flow``: the continuous flow's run, if ticked."""
    loss, reg = options["loss"], options["regularizer"]
    clipped = clips_psi(loss, reg)
    shown = html.escape(text.clipping_shown(clipped, loss, options["clip"] or 0.0))
    J = dirac_jacobian(loss, reg, options["reg_gamma"], options["sigma"])
    if J is None:
        return (
            '<div style="font-size:14px;padding:6px;background:#fff8e6">'
            f"{text.NO_JACOBIAN}<br>{shown}</div>"
        )
    lam = dirac_eigenvalues(loss, reg, options["reg_gamma"], options["sigma"])
    analysis = dict(loss=loss, regularizer=reg, reg_gamma=options["reg_gamma"],
                    sigma=options["sigma"])
    flow_pred = dirac_prediction("flow", lr, clipped=clipped, **analysis)
    if flow_pred.reason == "linear":
        flow_text = text.FLOW_CONVERGES
    else:
        flow_text = f"{text.FLOW_UNDECIDED}; {text.NONLINEAR[loss]}"
    if flow is not None:
        r0, r1 = float(flow.norms[0]), float(flow.norms[flow.n_finite - 1])
        time = (flow.n_finite - 1) * lr
        flow_text += ". " + html.escape(text.flow_in_this_run(r0, r1, time))
    simgd = dirac_local_factor("simgd", lr, loss=loss, regularizer=reg,
                               reg_gamma=options["reg_gamma"], sigma=options["sigma"])
    assert simgd is not None  # J exists
    verdict = classify(simgd)
    return (
        '<div style="font-size:14px;padding:6px;background:#f3f6fb">'
        "Jacobian of the gradient field v = −F at the equilibrium (0, 0): "
        f"[[{J[0, 0]:+.3f}, {J[0, 1]:+.3f}], [{J[1, 0]:+.3f}, {J[1, 1]:+.3f}]] — "
        f"eigenvalues λ = <b>{_complex(lam[0])}</b>, <b>{_complex(lam[1])}</b>.<br>"
        f"{flow_text}<br>"
        f"{text.simgd_sentence(simgd, verdict if verdict != 'cycles' else UNDECIDED, lr)}<br>"
        f"{shown}</div>"
    )
