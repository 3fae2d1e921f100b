"""Widgets for latent-variable views: :class:`ManifoldImage`, a grey picture with a movable marker.

The picture (e.g. the decoded manifold of a 2-D VAE, fig. 20.6) crosses the wire once as
``bytes`` (one uint8 per pixel); moving the marker sends two floats. The bytes trait carries
ipywidgets' bytes serialization (a plain ``Bytes`` trait rejects the browser's memoryview). The
JS is ``static/latent_manifold.js`` and imports nothing from a CDN.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import numpy as np
import traitlets
from ipywidgets.widgets.trait_types import bytes_serialization

from explorer.errors import ConfigError

_STATIC = Path(__file__).parent / "static"


class ManifoldImage(anywidget.AnyWidget):
    """A (height × width) grey picture shown ``display_width`` CSS pixels wide, with a marker."""

    _esm = traitlets.Unicode((_STATIC / "latent_manifold.js").read_text()).tag(sync=True)
    image = traitlets.Bytes(b"", help="height × width uint8 grey levels, row-major").tag(
        sync=True, **bytes_serialization
    )
    width = traitlets.Int(0, help="picture width in pixels").tag(sync=True)
    height = traitlets.Int(0, help="picture height in pixels").tag(sync=True)
    display_width = traitlets.Int(480, help="shown width in CSS pixels").tag(sync=True)
    cells = traitlets.Int(1, help="digits per row of the picture (sizes the marker)").tag(sync=True)
    marker = traitlets.List(
        traitlets.Float(), default_value=[], help="[] (hidden) or [x, y] as fractions in [0, 1]"
    ).tag(sync=True)
    version = traitlets.Int(0, help="bumped on each new picture; the browser redraws").tag(
        sync=True
    )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-manifold-widget")

    @traitlets.validate("image")
    def _check_image(self, proposal: dict) -> bytes:
        value = proposal["value"]
        return value.tobytes() if isinstance(value, memoryview) else bytes(value)

    @traitlets.validate("marker")
    def _check_marker(self, proposal: dict) -> list[float]:
        value = list(proposal["value"])
        if len(value) not in (0, 2):
            raise traitlets.TraitError("marker is [] or [x, y]")
        return [float(min(1.0, max(0.0, v))) for v in value]

    def show(self, picture: np.ndarray, cells: int | None = None) -> None:
        """Show a (H, W) picture with values in [0, 1] (or uint8) in one message."""
        array = np.asarray(picture)
        if array.ndim != 2 or array.size == 0:
            raise ConfigError(f"a manifold picture is a non-empty (H, W) array, got {array.shape}")
        if array.dtype != np.uint8:
            array = (np.clip(array.astype(np.float32), 0, 1) * 255 + 0.5).astype(np.uint8)
        with self.hold_sync():
            self.image = np.ascontiguousarray(array).tobytes()
            self.height, self.width = (int(n) for n in array.shape)
            if cells is not None:
                self.cells = int(cells)
            self.version += 1

    def show_marker(self, x: float | None, y: float | None = None) -> None:
        """Put the marker at fractions (x, y) of the picture; ``None`` or outside hides it."""
        if x is None or y is None or not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            if self.marker:
                self.marker = []
            return
        self.marker = [float(x), float(y)]

    @property
    def array(self) -> np.ndarray:
        """The shown picture as (H, W) float32 in [0, 1]."""
        flat = np.frombuffer(self.image, dtype=np.uint8).astype(np.float32) / 255.0
        return flat.reshape(self.height, self.width)
