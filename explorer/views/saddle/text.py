"""Every word a student reads in the saddle-point app (a newcomer edits wording here only).

Each sentence is a claim about a computation the app shows; ``tests/test_saddle_view.py`` checks
them against :mod:`explorer.games` (the arrows' direction, the predicted verdicts, the clipping).
"""

from __future__ import annotations

SECTION_QUOTE = (
    "“If we model each player as making infinitesimally small gradient steps, each player "
    "reducing their own cost at the expense of the other player, then a and b go into a "
    "stable, circular orbit, rather than arriving at the equilibrium point at the origin.” "
    "— §20.10.4, on v(a, b) = ab"
)

WHY = {
    "flow": "ȧ = −b, ḃ = a is a rotation: ‖z‖ never changes. This is the circular orbit of "
    "§20.10.4 — infinitesimal steps never reach the saddle.",
    "simgd": "both players step along the tangent of their circle at once, and a tangent step "
    "always lands outside it: ‖z‖ grows by exactly √(1 + η²) every step.",
    "altgd": "b answers the a that has just moved. The map has determinant 1 and keeps "
    "a² + b² − η·ab constant: a closed, tilted ellipse for η < 2. It cycles, it never converges.",
    "extragradient": "a look-ahead step first, a full step of size η; the real step, from where "
    "it started, uses the gradient found at the look-ahead point, which already points a little "
    "inwards: ‖z‖ shrinks by √(1 − η² + η⁴) when η < 1.",
    "optimistic": "steps with 2F(z_t) − F(z_{t−1}): how the gradient just turned predicts where "
    "it is going, a look-ahead from memory. Converges for η < 1/√3.",
    "consensus": "adds γ∇½‖F‖² (= γz here), a pull straight towards the point where both "
    "gradients vanish: factor √((1 − ηγ)² + η²), converges for η < 2γ/(1 + γ²).",
    "momentum": "heavy ball, keeping β × the last step. With simultaneous steps it only carries "
    "the rotation further: it diverges for every β (Gidel et al. 2019).",
    "altmomentum": "the same on alternating steps: negative momentum (−1 < β < 0) brakes the "
    "rotation and converges for η < 2(1 + β); β > 0 diverges.",
}
WHY_HEADING = "<b>Why each optimizer does what it does</b> (bilinear game, η = step size):"
WHY_FOOTER = (
    "The dotted lines on the right are the closed forms ‖z₀‖·ρᵗ; for the Dirac-GAN ρ is "
    "the local factor at the equilibrium, so they only hold once a run gets close to it. "
    "A run stops once ‖z‖ passes 10⁶."
)

DIRAC_TEXT = (
    "<b>The Dirac-GAN</b> (Mescheder, Geiger &amp; Nowozin 2018): the data is a point at 0, the "
    "generator a point at θ, the discriminator D(x) = ψx, and the GAN objective "
    "L(θ, ψ) = f(ψθ) + f(0) with f(t) = −log(1 + e<sup>−t</sup>). With the saturating loss its "
    "field is the rotation of the ab-game scaled by f′(ψθ) &gt; 0, so the continuous flow has "
    "the same circles. The non-saturating generator loss −f(−ψθ) is not a rescaled rotation: "
    "d(½‖z‖²)/dt = −θψ·tanh(θψ/2) ≤ 0, so its flow spirals slowly <i>in</i> — a term of order "
    "‖z‖⁴ that the linearisation at the equilibrium cannot see. "
    "R1 (γ/2·ψ²) and instance noise (σ) add damping on ψ, so the eigenvalues at the equilibrium "
    "move left of the imaginary axis and small steps converge; WGAN has f″ = 0, so noise cannot "
    "help it, and the WGAN-GP penalty γ/2·(|ψ| − 1)² pushes ψ away from 0. "
    "Plain WGAN clips ψ to [−c, c] after every step; WGAN-GP replaces the clipping by its "
    "penalty and does not clip."
)
BILINEAR_TEXT = (
    "<b>The bilinear game</b> v(a, b) = a·b: player a minimizes v, player b maximizes it; the "
    "only equilibrium is the saddle at (0, 0). Each player steps against its own gradient, "
    "F(a, b) = (b, −a), so the flow is ż = −F(a, b) = (−b, a), anticlockwise: the arrows show "
    "−F, pointing where the flow goes. "
    "The shading is v (red &gt; 0, blue &lt; 0), the thin lines its level sets. "
    "<b>Click the plane</b> to start from there."
)

TAB_TITLES = ("Bilinear game v(a, b) = ab", "Dirac-GAN")
PLANE_TITLES = {
    "bilinear": (
        "a — player 1 (minimizes v)",
        "b — player 2 (maximizes v)",
        "the (a, b) plane — click to set the start",
    ),
    "dirac": (
        "θ — generator",
        "ψ — discriminator",
        "the (θ, ψ) plane of the Dirac-GAN — click to set the start",
    ),
}
NORM_TITLE = "‖z_t‖ on a log scale — dotted: closed form ‖z₀‖·ρᵗ"
LEGEND = {
    "arrows": "arrows: −F, where the flow goes",
    "clip": "WGAN clip |ψ| = c",
    "circle": "flow's circle ‖z‖ = ‖z₀‖",
    "start": "start",
}
SLIDERS = {
    "lr": "step size η",
    "gamma": "consensus γ",
    "beta": "momentum β",
    "steps": "steps",
    "reg_gamma": "penalty γ",
    "sigma": "noise σ",
    "clip": "WGAN clip |ψ| ≤ c",
    "loss": "loss",
    "regularizer": "regularizer",
}

# -- status line ----------------------------------------------------------------------------
READY = "Ready. Click the plane to choose a start, pick optimizers, then press Play."
PLAYING = "Playing… press Pause to stop."
NEED_METHOD = "tick at least one optimizer first"
BACK_AT_START = "Back at the start. Press Play or Step."


def start_set(names: tuple[str, str], a: float, b: float) -> str:
    return f"Start set to {names[0]} = {a:.2f}, {names[1]} = {b:.2f}. Press Play."


def step_done(t: int, steps: int) -> str:
    return f"Step {t} of {steps}."


def paused(t: int, steps: int) -> str:
    return f"Done: {steps} steps." if t >= steps else f"Paused at step {t}."


def showing(game: str) -> str:
    name = "the Dirac-GAN" if game == "dirac" else "the bilinear game"
    return f"Showing {name}. Click the plane to choose a start."


# -- the factor table -----------------------------------------------------------------------
TABLE_HEAD_LOCAL = "predicted ρ (local, at 0)"
TABLE_HEAD_EXACT = "predicted ρ (closed form)"
TABLE_EMPTY = "Tick at least one optimizer above."
UNDECIDED_CELL = "undecided by the linearisation"
TABLE_NOTE = (
    "measured ρ: exp of the slope of log ‖z_t‖ over the second half of the run (up to a blow-up)."
)
REASON_NOTES = {
    "nonlinear": "ρ = 1: decided by the nonlinear term (see above)",
    "neutral": "ρ = 1 at (0, 0): the higher-order terms decide",
    "bounded": "leaves (0, 0); the non-saturating damping or the clip can hold it on an orbit",
    "no-jacobian": "no Jacobian at (0, 0)",
}
DIFFERS_NOTE = (
    "* differs from the prediction: the prediction is about the neighbourhood of (0, 0) and its "
    "rate; a run far from it, or one drifting by less than 10⁻⁴ a step, can read differently."
)

# -- the Dirac-GAN panel --------------------------------------------------------------------
NO_JACOBIAN = (
    "<b>No Jacobian at the equilibrium:</b> the WGAN-GP penalty γ/2·(|ψ| − 1)² has "
    "a kink at ψ = 0, where it pushes ψ away towards ±1 with force γ. The linear "
    "analysis does not apply; Mescheder et al. 2018 show that WGAN-GP does not "
    "converge to the equilibrium in general."
)
FLOW_CONVERGES = "Re λ &lt; 0: the continuous flow <b>converges</b> locally"
FLOW_UNDECIDED = "Re λ = 0: the linearisation cannot decide what the continuous flow does"
NONLINEAR = {
    "gan": (
        "the nonlinear term decides: with the saturating loss F = f′(θψ)·(ψ, −θ) is the rotation "
        "rescaled, d(½‖z‖²)/dt = 0, so the flow <b>circles</b>"
    ),
    "ns-gan": (
        "the nonlinear term decides: with the non-saturating loss d(½‖z‖²)/dt = "
        "−θψ·tanh(θψ/2) ≤ 0, so the flow spirals slowly <b>in</b> (it converges, but not at a "
        "geometric rate)"
    ),
    "wgan": (
        "WGAN's field is the rotation itself: the flow <b>circles</b> (a clip on ψ can only cut "
        "the circle down to one inside |ψ| ≤ c)"
    ),
}


def flow_in_this_run(r0: float, r1: float, time: float) -> str:
    return f"In this run the flow goes from ‖z‖ = {r0:.3f} to {r1:.3f} in time {time:g}."


SIMGD_LOCAL = {
    "converges": "it <b>converges</b> locally",
    "diverges": "it <b>moves away</b> from (0, 0) (diverges locally)",
    "undecided": "the linearisation cannot decide",
}


def simgd_sentence(factor: float, verdict: str, lr: float) -> str:
    return (
        f"simultaneous GD multiplies the distance by max |1 + ηλ| = <b>{factor:.5f}</b> per step "
        f"near (0, 0): at η = {lr:.2f} {SIMGD_LOCAL[verdict]}."
    )


def clipping_shown(clipped: bool, loss: str, c: float) -> str:
    if clipped:
        return f"Shown: WGAN with ψ clipped to [−{c:g}, {c:g}] after every step."
    if loss == "wgan":
        return "Shown: WGAN-GP — the penalty replaces the clipping; ψ is not clipped."
    return "ψ is not clipped (only plain WGAN clips)."
