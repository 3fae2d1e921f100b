"""Custom canvases (anywidget): the 28×28 digit canvas and a strip of captioned digits.

Images cross the wire as ``bytes`` through :mod:`explorer.views.wire` (``image_bytes``,
``from_wire``, ``BYTES``); each widget's JS is ``wire.esm(...)``: ``static/bytes.js`` (the one
``toU8``), ``static/digit_paint.js`` (shared painting), then the widget's own file. The JS
imports nothing from a CDN.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets

from explorer.views.wire import BYTES, esm, from_wire, image_bytes

SIDE = 28
N_PIXELS = SIDE * SIDE
TOOLS = ("draw", "erase", "mask", "unmask")


class DigitCanvas(anywidget.AnyWidget):
    """A 28×28 canvas to draw, erase, and paint the clamp mask on; synced on pointer-up."""

    _esm = traitlets.Unicode(esm("digit_paint.js", "digit_canvas.js")).tag(sync=True)
    pixels = traitlets.Bytes(bytes(N_PIXELS), help="784 uint8 grey levels, row-major").tag(
        sync=True, **BYTES
    )
    mask = traitlets.Bytes(bytes(N_PIXELS), help="784 uint8, 1 = clamped").tag(
        sync=True, **BYTES
    )
    tool = traitlets.Enum(TOOLS, default_value="draw", help="what a stroke does").tag(sync=True)
    brush = traitlets.Float(1.0, help="brush radius in pixels (0.5..3)").tag(sync=True)
    scale = traitlets.Int(10, help="screen pixels per digit pixel").tag(sync=True)
    editable = traitlets.Bool(True, help="whether strokes are accepted").tag(sync=True)
    strokes = traitlets.Int(0, help="strokes finished in the browser").tag(sync=True)

    @traitlets.validate("pixels", "mask")
    def _check_buffer(self, proposal: dict) -> bytes:
        value = from_wire(proposal["value"])
        if len(value) != N_PIXELS:
            raise traitlets.TraitError(f"{proposal['trait'].name} must be {N_PIXELS} bytes")
        return value

    @traitlets.validate("brush")
    def _check_brush(self, proposal: dict) -> float:
        return float(min(3.0, max(0.5, proposal["value"])))

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-digit-canvas-widget")

    # numpy views of the buffers -------------------------------------------------------
    @property
    def image(self) -> np.ndarray:
        """The drawing as (784,) float32 in [0, 1]."""
        return np.frombuffer(self.pixels, dtype=np.uint8).astype(np.float32) / 255.0

    @image.setter
    def image(self, values: np.ndarray) -> None:
        self.pixels = image_bytes(values, N_PIXELS, "image")

    @property
    def clamp_mask(self) -> np.ndarray:
        """The clamp mask as (784,) bool (True = clamped)."""
        return np.frombuffer(self.mask, dtype=np.uint8) > 0

    @clamp_mask.setter
    def clamp_mask(self, values: np.ndarray) -> None:
        self.mask = (np.asarray(values).reshape(-1) > 0).astype(np.uint8).tobytes()


class DigitStrip(anywidget.AnyWidget):
    """Captioned digits side by side (e.g. k parallel chains); redrawn when ``version`` bumps."""

    _esm = traitlets.Unicode(esm("digit_paint.js", "digit_strip.js")).tag(sync=True)
    images = traitlets.Bytes(b"", help="n × 784 uint8 grey levels").tag(
        sync=True, **BYTES
    )
    mask = traitlets.Bytes(b"", help="784 uint8 clamp mask shared by all images, or empty").tag(
        sync=True, **BYTES
    )
    captions = traitlets.List(traitlets.Unicode(), help="one caption per image").tag(sync=True)
    n_images = traitlets.Int(0).tag(sync=True)
    scale = traitlets.Int(4, help="screen pixels per digit pixel").tag(sync=True)
    version = traitlets.Int(0, help="bumped on each update; the browser redraws on change").tag(
        sync=True
    )
    painted = traitlets.Int(0, help="the last version the browser has painted").tag(sync=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-digit-strip-widget")

    def show(
        self,
        images: np.ndarray,
        captions: list[str] | None = None,
        mask: np.ndarray | None = None,
    ) -> None:
        """Show (n, 784) images in [0, 1] (or uint8) in one message."""
        images = np.asarray(images).reshape(-1, N_PIXELS)
        with self.hold_sync():
            self.images = image_bytes(images, images.size, "images")
            self.mask = b"" if mask is None else (np.asarray(mask) > 0).astype(np.uint8).tobytes()
            self.captions = list(captions or [""] * len(images))
            self.n_images = len(images)
            self.version += 1

    def frames_behind(self) -> int:
        """Updates sent but not yet painted by a browser (0 when no browser ever painted)."""
        return 0 if self.painted == 0 else self.version - self.painted

    @property
    def array(self) -> np.ndarray:
        """The shown images as (n, 784) float32 in [0, 1]."""
        flat = np.frombuffer(self.images, dtype=np.uint8).astype(np.float32) / 255.0
        return flat.reshape(self.n_images, N_PIXELS)
