"""Digit input shared by the apps that take a digit: the test digits, and :class:`DigitInput`,
the composite of canvas + tool toggle + brush + clamp presets + test-digit loader.

The composite owns what the student can do to a digit and its clamp mask; an app learns of every
change through one callback, ``on_change(fn)``, with a :class:`DigitChange` saying what changed in
words (so the app's status line never goes stale) and how much ink landed on free pixels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np

from explorer.errors import ExplorerError
from explorer.sampling.masks import make_mask
from explorer.views.status import StatusLine, labelled_button
from explorer.views.widgets import N_PIXELS, DigitCanvas

TOOL_OPTIONS = [("Draw", "draw"), ("Erase", "erase"), ("Clamp", "mask"), ("Free", "unmask")]
TOOL_ICONS = ["pencil", "eraser", "lock", "unlock"]
PRESETS = [("Left half", "left-half"), ("Right half", "right-half"), ("Top half", "top-half"),
           ("Bottom half", "bottom-half"), ("Random 50%", "random-50"), ("Box", "box"),
           ("Clear mask", "none")]
PRESET_WORDS = dict((name, label.lower()) for label, name in PRESETS)
LEGEND = ('<div style="font-size:12px;color:#334">grey = free pixel (sampled afresh: ink drawn '
          'there is not kept) · <span style="color:#2563b8;font-weight:bold">blue = clamped</span> '
          "(kept)</div>")


def load_test_digits(status: StatusLine) -> tuple[np.ndarray, np.ndarray]:
    """The binarized test split ``(images (N, 784), labels (N,))`` for an app.

    If it cannot be read, ``status`` says why and one blank digit stands in, so the app still
    opens instead of dying.
    """
    from explorer.data import load_mnist

    try:
        return load_mnist("test", binarize=True)
    except ExplorerError as exc:
        status.error(f"Could not load the test digits: {exc}")
        return np.zeros((1, 784), np.float32), np.zeros(1, np.int64)


@dataclass(frozen=True)
class DigitChange:
    """One change of the digit or its mask.

    source: "stroke" (the browser), "load", "preset", "clear" or "noise".
    message: one sentence for the status line ("Test digit #13 (a 3) loaded.").
    ink_on_free: pixels a stroke newly inked (≥ 0.5) that are not clamped (0 for other sources).
    """

    source: str
    message: str
    ink_on_free: int = 0


class DigitInput(widgets.VBox):
    """Canvas + Draw/Erase/Clamp/Free toggle + brush + clamp presets + test-digit loader.

    Public API: ``image`` and ``clamp_mask`` (read/write, (784,) float32 in [0, 1] / bool),
    ``load_test_digit(index | None)``, ``apply_preset(name)``, ``clear_drawing()``,
    ``add_noise(fraction)``, ``on_change(fn)`` (``fn(DigitChange)`` after every change, by the
    student or by code), ``digit_index`` (the last loaded test digit or ``None``). The parts
    (``canvas``, ``tool``, ``brush``, ``preset_buttons``, ``index_box``, ``load_button``,
    ``random_button``, ``clear_button``, ``noise_button``) are attributes for tests. The test-digit
    box is a text field checked in Python, so what it shows is what loads (or an error says why).
    """

    def __init__(
        self,
        status: StatusLine,
        test_images: np.ndarray,
        test_labels: np.ndarray,
        *,
        rng: np.random.Generator | None = None,
        scale: int = 10,
        mask_tools: bool = True,
    ) -> None:
        super().__init__()
        self.add_class("explorer-digit-input")
        self.status = status
        self.test_images, self.test_labels = test_images, test_labels
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.digit_index: int | None = None
        self._callbacks: list[Callable[[DigitChange], object]] = []
        self._quiet = False
        guard = status.guard
        self.canvas = DigitCanvas(scale=scale)
        options = TOOL_OPTIONS if mask_tools else TOOL_OPTIONS[:2]
        self.tool = widgets.ToggleButtons(options=options, value="draw",
                                          icons=TOOL_ICONS[: len(options)],
                                          style={"button_width": "78px"})
        self.tool.add_class("explorer-tool")
        self.brush = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.5,
                                         description="Brush", continuous_update=False)
        self.preset_buttons: dict[str, widgets.Button] = {}
        if mask_tools:
            for label, name in PRESETS:
                button = labelled_button(label, layout=widgets.Layout(width="auto"))
                button.on_click(guard(lambda _b, name=name: self.apply_preset(name)))
                self.preset_buttons[name] = button
        self.index_box = widgets.Text(value="0", description="Test digit",
                                      placeholder=f"0–{len(test_images) - 1}",
                                      layout=widgets.Layout(width="170px"))
        self.index_box.add_class("explorer-digit-index")
        self.load_button = labelled_button("Load")
        self.random_button = labelled_button("Random digit")
        self.clear_button = labelled_button("Clear drawing")
        self.noise_button = labelled_button("Add noise")
        self.load_button.on_click(guard(lambda _b: self.load_test_digit(self.index_box.value)))
        self.random_button.on_click(guard(lambda _b: self.load_test_digit(None)))
        self.clear_button.on_click(guard(lambda _b: self.clear_drawing()))
        self.noise_button.on_click(guard(lambda _b: self.add_noise()))
        self.tool.observe(guard(lambda change: setattr(self.canvas, "tool", change["new"])),
                          names="value")
        self.brush.observe(guard(lambda change: setattr(self.canvas, "brush", change["new"])),
                           names="value")
        self.canvas.observe(guard(self._on_canvas), names=["pixels", "mask"])
        self._image, self._mask = self.canvas.image, self.canvas.clamp_mask
        buttons = list(self.preset_buttons.values())
        children: list[widgets.Widget] = [self.canvas]
        if mask_tools:
            children += [widgets.HTML(LEGEND)]
        children += [self.tool, self.brush]
        if mask_tools:
            children += [widgets.HTML("<b>Clamp presets</b>"),
                         widgets.HBox(buttons[:4]), widgets.HBox(buttons[4:])]
        children += [widgets.HBox([self.index_box, self.load_button]),
                     widgets.HBox([self.random_button, self.clear_button, self.noise_button])]
        self.children = children

    # -- the digit and its mask ------------------------------------------------------------
    @property
    def image(self) -> np.ndarray:
        """The drawing as (784,) float32 in [0, 1]."""
        return self.canvas.image

    @image.setter
    def image(self, values: np.ndarray) -> None:
        self._set(image=values)

    @property
    def clamp_mask(self) -> np.ndarray:
        """The clamp mask as (784,) bool (True = clamped)."""
        return self.canvas.clamp_mask

    @clamp_mask.setter
    def clamp_mask(self, values: np.ndarray) -> None:
        self._set(mask=values)

    def on_change(self, callback: Callable[[DigitChange], object]) -> None:
        """Call ``callback(DigitChange)`` after every change of the digit or the mask."""
        self._callbacks.append(callback)

    # -- what the buttons do -----------------------------------------------------------------
    def load_test_digit(self, index: int | str | None) -> int:
        """Put test digit ``index`` (an int, the text of the box, or None = random) on the canvas,
        keeping the mask; returns the index loaded. A bad index raises a friendly error."""
        n = len(self.test_images)
        if index is None:
            index = int(self.rng.integers(n))
        elif isinstance(index, str):
            text = index.strip()
            if not re.fullmatch(r"\d+", text):
                raise ExplorerError(
                    f"Test digit: type a whole number between 0 and {n - 1} (got {index!r})"
                )
            index = int(text)
        if not 0 <= int(index) < n:
            raise ExplorerError(f"choose a test digit between 0 and {n - 1}")
        index = int(index)
        self.digit_index = index
        self.index_box.value = str(index)
        self._set(image=self.test_images[index], source="load",
                  message=f"Test digit #{index} (a {int(self.test_labels[index])}) loaded.")
        return index

    def apply_preset(self, name: str) -> None:
        """Clamp a named mask (see :data:`PRESETS`); ``random-50`` draws a new random half."""
        mask = make_mask(name, seed=int(self.rng.integers(1 << 30)))
        self._set(mask=mask, source="preset",
                  message=f"Clamp preset “{PRESET_WORDS.get(name, name)}”: "
                          f"{int(mask.sum())} pixels clamped.")

    def clear_drawing(self) -> None:
        """Erase the whole drawing (the mask stays)."""
        self.digit_index = None
        self._set(image=np.zeros(N_PIXELS, np.float32), source="clear",
                  message="Drawing cleared.")

    def add_noise(self, fraction: float = 0.08) -> None:
        """Flip a random ``fraction`` of the canvas pixels (then try clamping only some)."""
        image = self.canvas.image >= 0.5
        flips = self.rng.random(N_PIXELS) < fraction
        self._set(image=np.where(flips, ~image, image).astype(np.float32), source="noise",
                  message=f"Noise added: {int(flips.sum())} pixels flipped.")

    # -- plumbing ----------------------------------------------------------------------------
    def _set(self, image: np.ndarray | None = None, mask: np.ndarray | None = None,
             source: str = "code", message: str = "The digit changed.") -> None:
        self._quiet = True
        try:
            with self.canvas.hold_sync():
                if image is not None:
                    self.canvas.image = image
                if mask is not None:
                    self.canvas.clamp_mask = mask
        finally:
            self._quiet = False
        self._emit(source, message)

    def _on_canvas(self, _change: dict) -> None:
        if self._quiet:
            return
        image, mask = self.canvas.image, self.canvas.clamp_mask
        drawn = (image >= 0.5) & (self._image < 0.5)
        erased = (image < 0.5) & (self._image >= 0.5)
        clamped, freed = mask & ~self._mask, ~mask & self._mask
        if not (drawn.any() or erased.any() or clamped.any() or freed.any()):
            return  # the second notification of one browser message (pixels and mask together)
        parts = [f"{verb} {int(n.sum())} pixel{'s' if n.sum() != 1 else ''}"
                 for verb, n in (("drew", drawn), ("erased", erased), ("clamped", clamped),
                                 ("freed", freed)) if n.any()]
        message = "You " + ", ".join(parts) + "."
        self._emit("stroke", message, drawn=drawn)

    def _emit(self, source: str, message: str, drawn: np.ndarray | None = None) -> None:
        image, mask = self.canvas.image, self.canvas.clamp_mask
        ink_on_free = 0 if drawn is None else int((drawn & ~mask).sum())
        change = DigitChange(source, message, ink_on_free)
        self._image, self._mask = image, mask
        for callback in self._callbacks:
            callback(change)
