"""Every sentence the mode-collapse app shows (tests/test_mode_collapse_view.py checks each claim
against what the app computes)."""

from __future__ import annotations

import html
import math

TITLE = "Mode collapse: watch a GAN drop modes"

SECTION_QUOTE = (
    "“The generator aims to increase the log probability that the discriminator makes a "
    "mistake, rather than aiming to decrease the log probability that the discriminator makes "
    "the correct prediction.” — §20.10.4"
)

INTRO = (
    "<p>A GAN's generator G maps noise z to points; its discriminator D scores how real a point "
    "looks (the game of eqs. 20.80–20.81). <b>Mode collapse</b>: G puts nearly all its samples on "
    "a few of the data's modes — each sample looks real, but the variety is gone. Red points are "
    "G's samples, blue the data, the shading is D(x) (green where D says real, white where it "
    "says fake), the arrows show where G's loss pushes each sample, and the grey mesh is G's "
    "image of a grid of z.</p>"
    "<p><b>Modes captured</b>: modes that have at least one sample within 3 std of them; "
    "<b>HQ %</b>: samples within 3 std of their nearest mode; <b>reverse KL</b>: KL(q ‖ uniform) "
    "of the HQ samples' histogram over the modes (0 = all modes equally visited, log 2 = half "
    "of them) — VEEGAN's and PacGAN's protocol, on 2,500 samples.</p>"
)

WHY_SATURATES = (
    "<p><b>Why minimax saturates.</b> In eq. 20.81 G minimises log(1 − D(G(z))). Its gradient "
    "with respect to D's logit a is −σ(a): when D confidently rejects a sample (a ≪ 0) the "
    "gradient is nearly 0 and G stops learning. The non-saturating loss −log D(G(z)) has "
    "gradient −(1 − σ(a)), nearly −1 in that same place (§20.10.4).</p>"
)

FIXES = (
    "<p><b>What each fix changes.</b> "
    "<b>Non-saturating</b>: strong gradients when D wins, same fixed point. "
    "<b>WGAN-GP</b>: D becomes a critic estimating the Wasserstein distance; a gradient penalty "
    "keeps it 1-Lipschitz. "
    "<b>R1</b>: penalises D's gradient on real data, so D cannot build steep walls around them. "
    "<b>Unrolled</b>: G is scored by D after K look-ahead steps, so it cannot win by jumping "
    "to the mode D currently likes (the K steps here are plain gradient steps, not D's Adam). "
    "<b>PacGAN</b>: D judges packs of m samples at once; a pack of m samples from one mode is "
    "easy to tell from m real samples, which are spread over the modes.</p>"
)

COLLAPSE_RECIPE = (
    "The app starts with the knobs of the shipped collapsed runs: the non-saturating loss with a "
    "strong D (lr_d = 10 × lr_g, 5 D steps per G step, batch 64), which piles G's samples onto "
    "one or two modes. Tick Compare to train PacGAN with the same knobs and seed beside it: it "
    "keeps 7 or 8 of the 8 ring modes, though far fewer of its samples are high quality. The "
    "shipped healthy runs use the same non-saturating loss with balanced players (equal "
    "learning rates, 1 D step, batch 256) and the learning rate decayed along a half cosine."
)

PLANE_TAB = "2-D mixtures"
MNIST_TAB = "MNIST"
MNIST_LOADING = "<p>Loading the shipped MNIST GANs…</p>"
MNIST_READY = ("MNIST GANs loaded: digits from each, and the classes the classifier reads in "
               "1,000 of them.")
HISTOGRAM_TITLE = "digits the classifier reads (share of 1,000 samples)"
MNIST_INTRO = (
    "<p>Two GANs trained on the 4,000 embedded MNIST digits, with the same MLP nets (G: "
    "z → 256 → 256 → 784 with BatchNorm; D: 784 → 256 → 256 → 1) and the non-saturating loss. "
    "The classifier (classifier-mnist) reads the digit in 1,000 samples of each; a GAN that "
    "covers all ten digits gives each about 10 % (dashed line). <b>KL to uniform</b> "
    "= Σ<sub>k</sub> q<sub>k</sub> log(10 q<sub>k</sub>) of that histogram q: 0 when every digit "
    "gets 10 %, log 10 ≈ 2.30 when every sample is read as the same digit.</p>"
    "<p><b>Collapsed</b>: the strong discriminator of the 2-D tab's collapsed runs (lr_d = "
    "10 × lr_g, 5 D steps per G step). D wins — it rejects G's samples with near certainty — "
    "and G, following D's gradient, piles its samples onto one or two digits: the samples still "
    "vary, but 80 % or more of them are read as the same one or two digits. "
    "<b>Healthy</b>: equal learning rates, one D step, and R1 (γ = 10, Mescheder et al. 2018) — "
    "a penalty on D's gradient at the real digits, which keeps D from building steep walls "
    "around them: all ten digits appear, each near 10 %.</p>"
)


def mnist_heading(name: str, card: dict) -> str:
    """Above a column: the GAN's verdict, name and objective, from its card."""
    verdict = card.get("data", {}).get("verdict", "")
    objective = card.get("training", {}).get("objective", "?")
    return f"<b>{html.escape(verdict)}</b> · {html.escape(name)} ({html.escape(objective)})"


def mnist_line(numbers: dict) -> str:
    """Under a histogram: its KL to uniform, the digits seen, the classifier's confidence."""
    return (
        f"<div style=\"font-size:13px\">KL to uniform <b>{numbers['kl_to_uniform']:.3f}</b> nats "
        f"(log 10 = {math.log(10):.3f}); {numbers['classes_seen']} of 10 digits have ≥ 1 % of "
        f"the samples; the classifier's mean confidence {numbers['mean_confidence']:.2f}.</div>"
    )


def mnist_resampled(seed: int) -> str:
    return f"1,000 new samples from each GAN (z seed {seed})."


READY = "Ready. Press Play to train, or load a snapshot."
PAUSED = "Paused."
PLAYING = "Training…"


def status_line(iteration: int, numbers: dict[str, float], n_modes: int) -> str:
    """The line under the plane: iteration and the latest mode-coverage numbers."""
    if "modes_captured" not in numbers:
        return f"Iteration {iteration}."
    kl = numbers.get("reverse_kl")
    kl_text = f"{kl:.3f}" if kl is not None else "undefined (no HQ sample)"
    return (
        f"Iteration {iteration}: {int(numbers['modes_captured'])} / {n_modes} modes captured, "
        f"HQ {100 * numbers['hq_fraction']:.1f} %, reverse KL {kl_text}."
    )


def snapshot_line(name: str, card: dict) -> str:
    """What the status line says when a shipped snapshot is loaded: the card's numbers."""
    m = card.get("metrics", {})
    return (
        f"Loaded {name} ({card.get('data', {}).get('verdict', '')}, "
        f"{card.get('training', {}).get('objective', '?')}): {int(m['modes_captured'])} / "
        f"{int(m['n_modes'])} modes, HQ {100 * float(m['hq_fraction']):.1f} %, "
        f"reverse KL {float(m['reverse_kl']):.3f} at save time."
    )


def box(body: str) -> str:
    return f'<div style="max-width:900px;font-size:14px;line-height:1.4">{body}</div>'


def quote() -> str:
    return f'<div style="font-style:italic;color:#333">{html.escape(SECTION_QUOTE)}</div>'
