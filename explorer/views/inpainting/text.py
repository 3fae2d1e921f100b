"""Every word the inpainting app shows a student: edit wording here, nowhere else.

Equation numbers are those of the chapter (§20.2): P(h_j = 1 | v) is eq. 20.14, the factorial
P(h | v) eq. 20.15 and P(v | h) eq. 20.16.
"""

from __future__ import annotations

EXPLANATION = """
<b>What you are seeing.</b> A restricted Boltzmann machine (RBM) defines P(v, h) ∝ exp(bᵀv + cᵀh +
vᵀWh) over pixels v and hidden units h (eqs. 20.4–20.5). Its conditionals are factorial and
easy to sample (eqs. 20.14–20.16):
<i>P(h<sub>j</sub>=1 | v) = σ(c<sub>j</sub> + vᵀW<sub>:,j</sub>)</i> (eq. 20.14) and
<i>P(v<sub>i</sub>=1 | h) = σ(b<sub>i</sub> + W<sub>i,:</sub>h)</i> (the factors of eq. 20.16).
One <b>Gibbs sweep</b> samples all hidden units given the pixels, then all pixels given the hidden
units. To <b>inpaint</b> (§20.11.2), the pixels you mark as <span style="color:#2563b8">clamped
(blue)</span> are put back to their observed values after every sweep, so the chain samples
P(v<sub>free</sub> | v<sub>clamped</sub>): the free pixels wander among completions the model finds
probable. Eight chains run side by side, so you see how diverse the completions are; under each,
a classifier says which digit the completion has become. Clamped pixels never change; free pixels
start as coin flips, so what you draw on a free (grey) pixel is not kept: clamp it to keep it.
"""

DIGIT_HEADING = "<b>1 · Your digit and its clamp mask</b>"
CHAINS_HEADING = "<b>2 · Eight Gibbs chains, clamped to your pixels</b>"
SHOW_OPTIONS = [("P(v|h)", "prob"), ("sample v", "sample")]
SHOW_LABEL = "Show"
SPEED_LABEL = "Sweeps/s"
MODEL_LABEL = "Model"
CAPTIONS_NOTE = ('<div style="font-size:12px;color:#445">Under each chain: the digit a classifier '
                 "reads in its completion, and how sure it is — from the first sweep on. At "
                 "sweep 0 the free pixels are coin flips, so a reading would mean nothing. ★ marks "
                 "the <i>consensus</i>: the chain whose completion differs from the other chains' "
                 "in the fewest free pixels (chosen from the completions alone, without the "
                 "classifier).</div>")

READY = "Ready. Press Step or Run — or draw, and paint the clamp mask."
RUNNING = "Running… press Pause to stop."


def hidden_heading(layer: str, n_units: int) -> str:
    return f"<b>Hidden units of chain 1</b> {layer}, {n_units} units"


def energy_title(energy_name: str) -> str:
    return f"{energy_name} of each chain (lower = more probable)"


def sweeps_label(n_steps: int) -> str:
    return f'<span style="font-size:15px;margin-left:10px">sweeps: <b>{n_steps}</b></span>'


def caption(k: int, digit: int | None = None, confidence: float | None = None,
            consensus: bool = False) -> str:
    """Chain ``k`` (0-based)'s caption; without a reading (sweep 0): no digit, no percentage;
    ``consensus``: this chain is the consensus (★)."""
    if digit is None or confidence is None:
        return f"chain {k + 1}: not run yet"
    return f"chain {k + 1}: {digit} ({100 * confidence:.0f}%)" + (" ★" if consensus else "")


def restarted(what: str, ink_on_free: int = 0) -> str:
    """Status after the digit or mask changed: the chains start again at sweep 0."""
    text = f"{what} The chains restarted at sweep 0."
    if ink_on_free:
        text += (f" Note: {ink_on_free} of the pixels you drew are free (grey), and free pixels "
                 "are sampled afresh from coin flips, so that ink is not kept — paint it with "
                 "the Clamp tool to make the chains keep it.")
    return text


RESET = "Chains reset to sweep 0: the free pixels are coin flips again."


def paused(n_steps: int) -> str:
    return f"Paused after {n_steps} sweeps."


def running(achieved_hz: float, asked_hz: float) -> str:
    """Status during a run: the rate this machine really achieves, and whether it falls short."""
    text = f"Running at {achieved_hz:.0f} sweeps/s"
    if achieved_hz < 0.85 * asked_hz:
        text += f" (asked for {asked_hz:.0f}/s: this machine cannot keep up)"
    return text + " — press Pause to stop."


def model_loaded(name: str) -> str:
    return f"Model {name} loaded. The chains restarted at sweep 0."


def no_sampler(name: str, kind: str) -> str:
    return f"{name} is a {kind}; it offers no conditional sampler, so it cannot inpaint"


def missing_weights(error: str, name: str) -> str:
    return f"{error}. Make the weights with: explorer train {name}"


NOTHING_TO_STEP = "no model is loaded, so there is nothing to step"
