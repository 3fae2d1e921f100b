"""A 2-D particle canvas (anywidget): data, ~2,000 chain particles, vector fields, one chain.

Everything crosses the wire as float32 bytes (``wire.float32_bytes``; ``toF32`` in the browser),
never JSON lists: ``data`` (faint grey points), ``particles`` (the chains' states), ``field``
(the reconstruction field r(x) − x on a ``grid_n`` × ``grid_n`` grid over ``view``) and
``score`` (the true σ²∇log p_σ on the same grid, drawn when ``show_score``). ``chain`` describes
the highlighted chain's points (x, x̃, ω's mean ± std ellipse, x′), which are drawn and named;
``active`` is the sub-step whose arrow is lit. The JS is ``static/particles.js`` built by
:func:`wire.esm`.

Flow control: each update bumps ``version``; the browser sets ``frames_painted`` to the version it
painted (after ``requestAnimationFrame``), so :meth:`ParticleCanvas.frames_behind` tells a
:class:`~explorer.views.transport.TransportBar` to skip a beat rather than queue frames. That round
trip takes a few ms when the server sends with TCP_NODELAY (:mod:`explorer.kernel_socket`); with
Nagle's algorithm on it took ~40 ms and capped Run near 20 frames/s.
"""

from __future__ import annotations

from typing import Any

import anywidget
import numpy as np
import traitlets

from explorer.views.wire import BYTES, esm, float32_bytes, from_float32_bytes

POINT_KEYS = ("x", "x_tilde", "omega", "x_next")


class ParticleCanvas(anywidget.AnyWidget):
    """The 2-D tab's canvas (module docstring)."""

    _esm = traitlets.Unicode(esm("particles.js")).tag(sync=True)
    data = traitlets.Bytes(b"", help="float32 (n, 2) data points").tag(sync=True, **BYTES)
    particles = traitlets.Bytes(b"", help="float32 (K, 2) chain states").tag(sync=True, **BYTES)
    field = traitlets.Bytes(b"", help="float32 (G*G, 2) r(x) - x on the grid").tag(
        sync=True, **BYTES)
    score = traitlets.Bytes(b"", help="float32 (G*G, 2) true σ²∇log p_σ on the grid").tag(
        sync=True, **BYTES)
    show_score = traitlets.Bool(False).tag(sync=True)
    show_field = traitlets.Bool(True).tag(sync=True)
    view = traitlets.List(traitlets.Float(), [-1.6, 1.6, -1.6, 1.6],
                          help="xmin, xmax, ymin, ymax").tag(sync=True)
    grid_n = traitlets.Int(0, help="field grid points per side").tag(sync=True)
    chain = traitlets.Dict(help="highlighted chain: x, x_tilde, omega, omega_std, x_next, "
                           "h_text (lists or None)").tag(sync=True)
    active = traitlets.Unicode("", help="the sub-step just run (its arrow is lit)").tag(sync=True)
    size_px = traitlets.Int(440).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)
    frames_painted = traitlets.Int(0, help="the last version the browser painted").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-particles-widget")

    def show(
        self, particles: Any | None = None, *, data: Any | None = None,
        field: Any | None = None, score: Any | None = None, grid_n: int | None = None,
        view: list[float] | None = None, chain: dict | None = None, active: str | None = None,
    ) -> None:
        """Update what is given, in one message, and bump ``version``."""
        with self.hold_sync():
            if particles is not None:
                self.particles = float32_bytes(particles, 2, "particles")
            if data is not None:
                self.data = float32_bytes(data, 2, "data")
            if field is not None:
                self.field = float32_bytes(field, 2, "field")
            if score is not None:
                self.score = float32_bytes(score, 2, "score")
            if grid_n is not None:
                self.grid_n = int(grid_n)
            if view is not None:
                self.view = [float(v) for v in view]
            if chain is not None:
                self.chain = chain
            if active is not None:
                self.active = active
            self.version += 1

    def frames_behind(self) -> int:
        """Updates sent but not yet painted (0 when no browser ever painted)."""
        return 0 if self.frames_painted == 0 else self.version - self.frames_painted

    @property
    def particle_array(self) -> np.ndarray:
        return from_float32_bytes(self.particles)
