"""The GAN plane (anywidget canvas) and the arrays it draws, taken from a :class:`GANTrainer`.

What is drawn comes from the trainer's tested helpers (:mod:`explorer.models.gan`):
``discriminator_grid`` (the heatmap: D(x) = σ(a) in [0, 1]; a WGAN-GP critic's score is scaled
to [0, 1] over the shown grid), ``eval_samples`` (the generated points), ``generator_gradients``
(the arrows, −∂L_G/∂x on a subset of generated points, drawn to a fixed longest length) and
``warp_grid`` (G's image of a z-grid). Arrays cross the wire as float32 / uint8 bytes; the canvas
acknowledges each painted frame (``painted``) so the app never sends faster than it is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import anywidget
import numpy as np
import torch
import traitlets

from explorer.models.gan import GANTrainer
from explorer.views.wire import BYTES, esm, float32_bytes

HEAT_SIDE = 48  # the heatmap's cells per side
N_POINTS = 2500  # generated (and real) points: the mode-coverage protocol's count
N_ARROWS = 150  # generated points that get a gradient arrow
WARP_N = 15  # the z-grid's lines per side
ARROW_LENGTH = 0.25  # the longest arrow, in data units (arrows show directions and ratios)


class GANPlane(anywidget.AnyWidget):
    """A canvas with D's heatmap, G's warped z-grid, real and fake points and G's arrows."""

    _esm = traitlets.Unicode(esm("gan_plane.js")).tag(sync=True)
    heat = traitlets.Bytes(b"", help="heat_h × heat_w uint8, row 0 = lowest y").tag(
        sync=True, **BYTES)
    heat_w = traitlets.Int(0).tag(sync=True)
    heat_h = traitlets.Int(0).tag(sync=True)
    real = traitlets.Bytes(b"", help="float32 (x, y) pairs").tag(sync=True, **BYTES)
    fake = traitlets.Bytes(b"", help="float32 (x, y) pairs").tag(sync=True, **BYTES)
    arrows = traitlets.Bytes(b"", help="float32 (x, y, dx, dy) per arrow").tag(sync=True, **BYTES)
    warp = traitlets.Bytes(b"", help="float32 warp_n × warp_n × 2").tag(sync=True, **BYTES)
    warp_n = traitlets.Int(0).tag(sync=True)
    extent = traitlets.List(traitlets.Float(), [-1.5, 1.5, -1.5, 1.5]).tag(sync=True)
    size = traitlets.Int(360).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    show_heat = traitlets.Bool(True).tag(sync=True)
    show_arrows = traitlets.Bool(True).tag(sync=True)
    show_warp = traitlets.Bool(True).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)
    painted = traitlets.Int(0, help="the last version the browser painted").tag(sync=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-gan-plane-widget")

    def frames_behind(self) -> int:
        """Frames sent but not yet painted (0 when no browser ever painted)."""
        return 0 if self.painted == 0 else self.version - self.painted

    def show(self, frame: Frame, title: str) -> None:
        """Send one frame in one message."""
        with self.hold_sync():
            self.heat = frame.heat.tobytes()
            self.heat_h, self.heat_w = frame.heat.shape
            self.real, self.fake = float32_bytes(frame.real), float32_bytes(frame.fake)
            self.arrows = float32_bytes(frame.arrows)
            self.warp, self.warp_n = float32_bytes(frame.warp), int(frame.warp.shape[0])
            self.extent = list(frame.extent)
            self.title = title
            self.version += 1


@dataclass
class Frame:
    """One picture of the plane: all arrays in data coordinates."""

    heat: np.ndarray  # (H, W) uint8: D's output over the extent, row 0 = lowest y
    real: np.ndarray  # (n, 2)
    fake: np.ndarray  # (n, 2)
    arrows: np.ndarray  # (N_ARROWS, 4): x, y, dx, dy
    warp: np.ndarray  # (WARP_N, WARP_N, 2)
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1


def extent_of(toy_modes: torch.Tensor, margin: float = 0.5) -> tuple[float, float, float, float]:
    """A square view around the modes with ``margin`` on each side."""
    half = float(toy_modes.abs().max()) + margin
    return (-half, half, -half, half)


def heat_levels(values: torch.Tensor, critic: bool) -> np.ndarray:
    """D's grid output to uint8 levels: D(x) ∈ [0, 1] → 0..255; a critic's scores are scaled
    min→0, max→255 over the grid (they have no fixed range)."""
    v = values.double()
    if critic:
        lo, hi = float(v.min()), float(v.max())
        v = (v - lo) / (hi - lo) if hi > lo else torch.zeros_like(v)
    return (v.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def make_frame(
    trainer: GANTrainer,
    real: torch.Tensor,
    z_arrows: torch.Tensor,
    extent: tuple[float, float, float, float],
    n_points: int = N_POINTS,
) -> Frame:
    """The plane's arrays for ``trainer`` now: heatmap, ``n_points`` fresh samples, arrows at
    G(z_arrows) (their gradients scaled together so the longest is ``ARROW_LENGTH``), warp."""
    x0, x1, y0, y1 = extent
    xs = torch.linspace(x0, x1, HEAT_SIDE)
    ys = torch.linspace(y0, y1, HEAT_SIDE)
    heat = heat_levels(trainer.discriminator_grid(xs, ys), trainer.objective.critic)
    fake = trainer.eval_samples(n_points).numpy()
    grads = trainer.generator_gradients(z_arrows)
    with torch.no_grad():
        points = trainer.model.generator(z_arrows.to(trainer.device)).cpu()
    longest = float(grads.norm(dim=1).max())
    scaled = grads * (ARROW_LENGTH / longest) if longest > 0 else grads
    arrows = torch.cat([points, scaled], dim=1).numpy()
    warp = trainer.warp_grid(WARP_N).numpy()
    return Frame(heat, real.numpy(), fake, arrows, warp, extent)
