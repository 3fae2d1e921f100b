"""Every sentence the mode-collapse app shows (tests/test_mode_collapse_view.py checks each claim
against what the app computes)."""

from __future__ import annotations

import html

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
