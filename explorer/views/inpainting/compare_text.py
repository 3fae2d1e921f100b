"""Every word of the inpainting app's compare-all view (edit wording here, nowhere else)."""

from __future__ import annotations

VIEW_LABEL = "View"
VIEW_OPTIONS = [("One model", "one"), ("Compare all models", "all")]
HEADING = "<b>3 · Every model on the same digit and mask</b>"
EXPLANATION = (
    '<div style="font-size:12px;color:#445;max-width:900px">One row per model that can inpaint, '
    "all clamped to the digit and mask on the left, stepping together. Each row shows its chains' "
    "current probabilities and, under each, the digit a classifier reads in the completion. "
    "Gibbs chains (RBM, DBM) and the DAE walk through completions step by step; NADE draws a "
    "fresh <i>exact</i> sample of p(x<sub>free</sub> | x<sub>clamped</sub>) at every step, in one "
    "ancestral pass over the free pixels (in a fresh random order each step), so it needs no "
    "burn-in and gives each completion's exact log-probability. ★ marks each row's "
    "<i>consensus</i>: the chain whose completion differs from the other chains' in the fewest "
    "free pixels (the minimum-Bayes-risk pick under the Hamming loss). Every chain is a sample "
    "and may wander to another digit; the consensus is the completion nearest the rest, chosen "
    "from the model's own completions without the classifier.</div>")
SPEED_LABEL = "Steps/s"
NO_MODELS = "no pretrained model offers a conditional sampler, so there is nothing to compare"
RUNNING = "Running all rows… press Pause to stop."
RESET = "All rows reset to step 0."


def loaded(names: list[str]) -> str:
    return f"Compare all: {len(names)} models ({', '.join(names)}), each restarted at step 0."


def paused(n_steps: int) -> str:
    return f"All rows paused after {n_steps} steps."


def row_heading(name: str, kind: str, agreement: float | None, label: int | None,
                n_steps: int, consensus: tuple[int, int] | None = None) -> str:
    """A row's title: the model, and (once run, on a test digit) how many chains read the label;
    ``consensus``: (chain index from 0, the digit read in it)."""
    text = f"<b>{name}</b> <span style='color:#667'>({kind})</span>"
    if n_steps == 0:
        return text + " — not run yet"
    if agreement is not None and label is not None:
        text += f" — agreement with the label {label}: <b>{100 * agreement:.0f}%</b>"
    if consensus is not None:
        chain, digit = consensus
        text += f" — consensus ★: chain {chain + 1}, read as <b>{digit}</b>"
    return text


def caption(digit: int | None, confidence: float | None, consensus: bool = False) -> str:
    if digit is None or confidence is None:
        return "—"
    return f"{digit} ({100 * confidence:.0f}%)" + (" ★" if consensus else "")


def hidden_heading(layer: str, n_units: int) -> str:
    return f"<span style='font-size:11px'>chain 1: {layer} ({n_units})</span>"


def energy_line(name: str, values: list[float]) -> str:
    shown = " ".join(f"{v:.1f}" for v in values)
    return f"<span style='font-size:11px'>{name}, per chain: {shown}</span>"


def images_heading(labels: list[str]) -> str:
    return f"<span style='font-size:11px'>chain 1: {' · '.join(labels)}</span>"


def steps_label(n_steps: int) -> str:
    return f'<span style="font-size:15px;margin-left:10px">steps: <b>{n_steps}</b></span>'
