"""Every word the DAE-chain app shows a student: edit wording here, nowhere else.

Sections of the chapter (/work/shared/seeds/001_*): §20.11.1 the chain of any denoising
autoencoder (fig. 20.11), §20.11.2 clamping (fig. 20.12), §20.11.3 walk-back training. The score
connection r(x) − x ≈ σ²∂log p(x)/∂x is Alain & Bengio (2013), as Bengio's DLSS slides state it.
Every sentence with a number is built by a function here from the number the app shows.
"""

from __future__ import annotations

import math

EXPLANATION = """
<b>What you are seeing.</b> A denoising autoencoder (DAE) is trained to undo a corruption
C(x̃ | x): it maximises log p(x | ω = g(f(x̃))). §20.11.1 turns any such DAE into a Markov chain
whose every step has four sub-steps (fig. 20.11, drawn beside the canvas): <b>1 corrupt</b>
x̃ ~ C(x̃ | x); <b>2 encode</b> h = f(x̃); <b>3 decode</b> ω = g(h), the parameters of the
reconstruction distribution; <b>4 sample</b> the next state x′ ~ p(x | ω). Here the 2-D DAEs
corrupt with Gaussian noise of std σ and reconstruct with a Gaussian whose variance is the
reconstruction's mean squared error (fig. 20.11's caption). The blue arrows are r(x) − x, the
reconstruction minus its input: Alain &amp; Bengio showed that r(x) − x estimates
σ²∂log p(x)/∂x, so the arrows are (σ² times) the <i>score</i> of the data distribution — for
the ring of Gaussians the red arrows show the exact σ²∇log p<sub>σ</sub>(x) of the data blurred by
the corruption (Tweedie's formula), which is what the best possible DAE would draw.
<b>Clamping</b> (§20.11.2, MNIST tab): the observed pixels are put back after every step and only
the free ones are resampled — clamp the right half and run to get fig. 20.12.
<b>Walk-back</b> (§20.11.3): training runs k corrupt–encode–decode–sample steps from each example
and penalises the reconstructions of the clean example along the way; the chapter says it removes
"spurious modes further from the data" more efficiently. Retrain below and measure whether it does.
"""

TOY_TAB = "2-D toys"
MNIST_TAB = "MNIST with clamping"
TOY_LABEL = "Toy"
SIGMA_LABEL = "Corruption σ"
TRAINING_LABEL = "Training"
TRAINING_OPTIONS = [("plain", False), ("walk-back (k = 4)", True)]
CHAINS_LABEL = "Chains"
FIELD_LABEL = "r(x) − x arrows (blue)"
SCORE_LABEL = "true σ²∇log p_σ arrows (red)"
SUBSTEP_BUTTON = "Next sub-step"
SPEED_LABEL = "Steps/s"
CANVAS_HEADING = ("<b>The chains</b> (green: every chain's state; grey: the data; the highlighted "
                  "chain's x, x̃, ω and x′ are named)")
DENSITY_HEADING = "<b>Where the chains are</b> (left) <b>and the data</b> (right)"
DIAGRAM_HEADING = "<b>One step of the chain (fig. 20.11)</b>"
RETRAIN_HEADING = ("<b>Retrain a 2-D DAE live</b> on the chosen toy: a large σ or a short "
                   "training leaves chains off the data; compare k = 1 (plain) with k &gt; 1 "
                   "(walk-back)")
RETRAIN_SIGMA = "σ"
RETRAIN_K = "walk-back k"
RETRAIN_STEPS = "Adam steps"
TRAIN_BUTTON = "Train"
SHIPPED_BUTTON = "Back to the shipped model"
MNIST_HEADING = "<b>Your digit and its clamp mask</b> (blue pixels are clamped)"
STRIP_HEADING = ("<b>Consecutive states of the highlighted chain</b> — under each, the digit the "
                 "classifier reads and how sure it is")
SUBSTEP_STRIP_HEADING = ("<b>Inside the current step</b>: x, the corrupted x̃ and the "
                         "reconstruction probabilities ω = g(f(x̃))")
# Walk-back (k = 4) vs plain, 5 seeds each: (setting, plain min/max, walk-back min/max, seeds
# where walk-back was lower) of the spurious share of 1,000 chains after 200 steps from N(0, I).
# The first row is re-measured by tests/test_dae_walkback.py, all by benchmarks/bench_dae.py.
WALKBACK_MEASURED = (
    ("ring, σ = 0.3, 500 Adam steps", (0.819, 0.845), (0.901, 0.932), 0),
    ("ring, σ = 0.1, 2,000 Adam steps", (0.029, 0.037), (0.020, 0.041), 4),
    ("spiral, σ = 0.1, 2,000 Adam steps", (0.306, 0.373), (0.304, 0.343), 5),
)


def walkback_finding() -> str:
    """The measured comparison, in words, from :data:`WALKBACK_MEASURED`."""
    rows = "; ".join(
        f"{what}: {100 * p[0]:.1f}–{100 * p[1]:.1f}% plain, {100 * w[0]:.1f}–{100 * w[1]:.1f}% "
        f"walk-back, lower for {lower} of 5 seeds" for what, p, w, lower in WALKBACK_MEASURED)
    return ("<div class='explorer-dae-walkback' style='font-size:12px;color:#445'><b>Walk-back "
            "(k = 4) vs plain, measured</b> over 5 seeds (share of 1,000 chains off the data "
            f"after 200 steps from N(0, I)) — {rows}. So at a small σ after a long training "
            "walk-back removed a little of the off-data mass, as §20.11.3 says; at a large σ after "
            "a short training it added some. With the reconstruction variance set to the "
            "reconstruction error, much of that share is the spread of the last sampling "
            "sub-step, not separate spurious modes.</div>")


READY = "Ready. Press Next sub-step to walk one chain through fig. 20.11, or Run."
RUNNING = "Running… press Pause to stop."
RESET = "New chains, started from N(0, I)."
MNIST_READY = "Ready: the right half is clamped. Press Run: that is figure 20.12."
NO_TOY_MODEL = "No shipped DAE for {toy} at σ = {sigma:g}; run `explorer train {name}`."


def missing_weights(error: str, name: str) -> str:
    return f"Could not load {name}: {error}. Run `explorer train {name}` to make it."


def sigma_options(sigmas: list[float]) -> list[tuple[str, float]]:
    return [(f"{s:g}", s) for s in sigmas]


def substep_done(done: str | None, nxt: str, n_steps: int) -> str:
    names = {"corrupt": "1 corrupt: x̃ ~ C(x̃ | x)", "encode": "2 encode: h = f(x̃)",
             "decode": "3 decode: ω = g(h)", "sample": "4 sample: x′ ~ p(x | ω)"}
    if done is None:
        return f"Step {n_steps + 1}: next is {names[nxt]}."
    return f"Did {names[done]}. Next: {names[nxt]}. Full steps so far: {n_steps}."


def h_text(h_mean: float, h_active: int, n_hidden: int) -> str:
    return f"h = f(x̃): {n_hidden} units, mean {h_mean:.2f}, {h_active} above 0.5"


def numbers(
    n_steps: int, mmd_ratio: float | None, spurious: float, data_spurious: float,
    n_mmd: int = 0,
) -> str:
    """The live numbers, each from the value the app computed and shows."""
    if mmd_ratio is None:
        mmd = "MMD² to held-out data: n/a (needs ≥ 2 chains)"
    elif mmd_ratio <= 1:
        mmd = (f"MMD² of {n_mmd} chains to {n_mmd} held-out data points: <b>{mmd_ratio:.1f}×</b> "
               "the level between two data samples of that size — as close as a second data "
               "sample (the estimate is unbiased, so it can be negative)")
    else:
        mmd = (f"MMD² of {n_mmd} chains to {n_mmd} held-out data points: <b>{mmd_ratio:.1f}×</b> "
               "the level between two data samples of that size")
    steps = "step" if n_steps == 1 else "steps"
    return (f"<div class='explorer-dae-numbers'>After <b>{n_steps}</b> {steps} · {mmd} · off "
            f"the data (spurious): <b>{100 * spurious:.1f}%</b> of the chains (the data itself: "
            f"{100 * data_spurious:.1f}%)</div>")


SPURIOUS_RULE = {
    "mixture": "a point is off the data when it is more than 3 component stds from every mode",
    "manifold": "a point is off the data when it is more than 3 noise stds from the curve",
}


def paused(n_steps: int) -> str:
    return f"Paused after {n_steps} steps."


def trained(ended: str, sigma: float, k: int, steps: int) -> str:
    what = "plain" if k == 1 else f"walk-back k = {k}"
    return (f"Training {ended.lower()}: your DAE (σ = {sigma:g}, {what}, {steps} Adam steps) now "
            "drives the chains.")


def training(sigma: float, k: int, steps: int) -> str:
    what = "plain" if k == 1 else f"walk-back k = {k}"
    return f"Training a DAE live: σ = {sigma:g}, {what}, {steps} Adam steps…"


def state_caption(t: int, digit: int | None, confidence: float | None) -> str:
    if digit is None:
        return f"t = {t}"
    return f"t = {t}\n{digit} ({100 * confidence:.0f}%)"


SUBSTEP_CAPTIONS = ("x", "x̃ (corrupted)", "ω: p(x=1)", "x′")


def mnist_substep(done: str | None, n_steps: int) -> str:
    if done is None:
        return f"Step {n_steps + 1}: press Next sub-step to corrupt."
    return f"Sub-step {done} done (step {n_steps + (0 if done == 'sample' else 1)})."


def finite_or_dash(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.3g}"
