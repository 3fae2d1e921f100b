"""The landing page: a card per app with a picture, one line, and a link."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets


@dataclass(frozen=True)
class AppCard:
    notebook: str  # file name in apps/
    title: str
    line: str  # one line for the card
    section: str  # where in the chapter
    picture: str  # a small inline SVG


def _digits_picture() -> str:
    cells = []
    for k in range(4):
        x = 8 + k * 44
        cells.append(f'<rect x="{x}" y="14" width="38" height="38" fill="#111"/>')
        cells.append(f'<rect x="{x + 19}" y="14" width="19" height="38" fill="#1d3f7a"/>')
        cells.append(f'<path d="M{x + 10} 22 Q{x + 30} 16 {x + 28} 30 L{x + 14} 46" '
                     'stroke="#eee" stroke-width="3.5" fill="none"/>')
    return "".join(cells)


def _latent_picture() -> str:
    import random

    rng = random.Random(3)
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
    dots = []
    for k, colour in enumerate(colours):
        cx, cy = 40 + 30 * k, 34 + (-1) ** k * 10
        for _ in range(14):
            dots.append(f'<circle cx="{cx + rng.gauss(0, 8):.1f}" cy="{cy + rng.gauss(0, 8):.1f}" '
                        f'r="2" fill="{colour}"/>')
    dots.append('<ellipse cx="100" cy="34" rx="22" ry="11" fill="none" stroke="#222" '
                'stroke-dasharray="3 2"/>')
    return "".join(dots)


def _orbit_picture() -> str:
    return ('<circle cx="100" cy="34" r="22" fill="none" stroke="#888" stroke-dasharray="3 2"/>'
            '<path d="M100 34 m0 -6 a6 6 0 1 1 -1 0 a12 12 0 1 1 -2 0 a18 18 0 1 1 -3 0 '
            'a25 25 0 1 1 -4 0" fill="none" stroke="#d62728" stroke-width="2"/>'
            '<path d="M100 12 a22 22 0 1 1 -1 0" fill="none" stroke="#2ca02c" stroke-width="2"/>')


def _chain_picture() -> str:
    import math

    dots = "".join(f'<circle cx="{100 + 26 * math.cos(k * math.pi / 4):.1f}" '
                   f'cy="{34 + 26 * math.sin(k * math.pi / 4):.1f}" r="4" fill="#2ca02c"/>'
                   for k in range(8))
    return (dots + '<path d="M30 52 L60 40 L80 50" stroke="#d62728" stroke-width="2" fill="none"/>'
            '<text x="24" y="62" font-size="11">x → x̃ → h → ω → x′</text>')


def _ladder_picture() -> str:
    bars = []
    for k, (height, colour) in enumerate(((40, "#1f77b4"), (30, "#ff7f0e"), (22, "#2ca02c"))):
        x = 40 + k * 46
        bars.append(f'<rect x="{x}" y="{58 - height}" width="30" height="{height}" '
                    f'fill="{colour}"/>')
        bars.append(f'<line x1="{x + 15}" y1="{52 - height}" x2="{x + 15}" y2="{64 - height}" '
                    'stroke="#222" stroke-width="1.5"/>')
    return "".join(bars)


def _modes_picture() -> str:
    import math

    dots = []
    for k in range(8):
        cx, cy = 100 + 26 * math.cos(2 * math.pi * k / 8), 33 + 26 * math.sin(2 * math.pi * k / 8)
        dots.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#1f77b4"/>')
    dots.append('<circle cx="126" cy="33" r="7" fill="#d62728" opacity="0.8"/>')
    return "".join(dots)


APPS = (
    AppCard("inpainting.ipynb", "Inpainting by clicking",
            "Clamp half a digit and watch an RBM's Gibbs chains fill in the rest.",
            "§20.2, §20.11.2 · RBM, block Gibbs sampling", _digits_picture()),
    AppCard("vae_manifold.ipynb", "The VAE manifold",
            "Walk a 2-D VAE's latent plane, draw a digit to see q(z|x), compare latent and "
            "pixel interpolation, raise β to watch the posterior collapse.",
            "§20.10.3 · variational autoencoder, ELBO, IWAE", _latent_picture()),
    AppCard("saddle_game.ipynb", "Saddle-point game: the ab-orbit",
            "Why GAN training circles: seven optimizers on v(a, b) = ab and the Dirac-GAN.",
            "§20.10.4 · GANs as a game, non-convergence", _orbit_picture()),
    AppCard("dae_chain.ipynb", "The DAE Markov chain",
            "Step a denoising autoencoder's chain sub-step by sub-step: its arrows against the "
            "true score in 2-D, walk-back vs plain, and clamped digits (fig. 20.12).",
            "§20.11.1–3 · denoising autoencoders, walk-back", _chain_picture()),
    AppCard("mode_collapse.ipynb", "Mode collapse",
            "Train GANs live on 2-D mixtures, watch one drop modes and PacGAN keep them, with "
            "the modes-captured, HQ and reverse-KL numbers of the literature; on MNIST, a "
            "collapsed and a healthy GAN side by side.",
            "§20.10.4 · GAN objectives, mode collapse", _modes_picture()),
    AppCard("evaluation.ipynb", "Evaluating generative models",
            "Samples beside their nearest training digits, one log-likelihood table (AIS, "
            "IWAE, importance sampling) under two binarizations, and a deep DGA's Table 1.",
            "§20.14 · evaluation, AIS (§18.7); Ozair & Bengio's deep DGA", _ladder_picture()),
)


def _card_html(card: AppCard) -> str:
    return (
        f'<a href="{html.escape(card.notebook)}" class="explorer-app-card" '
        'style="display:block;width:300px;padding:14px;border:1px solid #ccd;border-radius:8px;'
        'text-decoration:none;color:#1a1a2e;background:#fafbff;box-shadow:0 1px 3px #0002">'
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="66" '
        f'style="display:block;margin:0 auto 8px">{card.picture}</svg>'
        f'<div style="font-size:18px;font-weight:bold">{html.escape(card.title)}</div>'
        f'<div style="font-size:14px;margin:6px 0">{html.escape(card.line)}</div>'
        f'<div style="font-size:12px;color:#557">{html.escape(card.section)}</div></a>'
    )


def build_index(folder: str | Path = ".") -> widgets.HTML:
    """The landing page's cards: one per app notebook present in ``folder``."""
    present = [card for card in APPS if (Path(folder) / card.notebook).is_file()]
    cards = "".join(_card_html(card) for card in present)
    page = widgets.HTML(
        '<div style="display:flex;flex-wrap:wrap;gap:18px;margin:12px 0">'
        f"{cards}</div>"
    )
    page.add_class("explorer-app")
    page.add_class("explorer-app-index")
    return page
