"""The MNIST tab: a DAE chain on digits with clamping (§20.11.2, fig. 20.12), sub-step by sub-step.

The chain is whatever conditional sampler the registry gives the model
(:func:`explorer.sampling.registry.conditional_sampler`; for a DAE the :class:`DAEChain`), so the
clamped pixels never change. The view draws the highlighted chain's consecutive states with the
classifier's reading, and inside a step x, x̃ and the reconstruction probabilities ω.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import torch

from explorer.errors import ExplorerError
from explorer.sampling.registry import conditional_sampler
from explorer.views.dae_chain import text
from explorer.views.dae_chain.figure import diagram_svg
from explorer.views.digit_input import DigitChange, DigitInput, load_test_digits
from explorer.views.live_training import torch_threads
from explorer.views.status import StatusLine, labelled_button
from explorer.views.transport import TransportBar
from explorer.views.widgets import DigitStrip

MODEL_NAME = "dae-mnist-wb"
HISTORY = 8  # consecutive states shown
FIRST_DIGIT = 13


class MnistTab(widgets.VBox):
    """Public parts for tests: ``digit_input``, ``substep_button``, ``transport``, ``strip``
    (consecutive states), ``substep_strip`` (x, x̃, ω, x′), ``diagram``; state: ``model``,
    ``classifier``, ``chain``, ``history`` (list of (t, state (784,), digit, confidence))."""

    def __init__(self, status: StatusLine, model_name: str = MODEL_NAME, seed: int = 0) -> None:
        super().__init__()
        self.add_class("explorer-dae-mnist-tab")
        self.status = status
        self.rng = np.random.default_rng(seed)
        self.model: Any = None
        self.classifier: Any = None
        self.chain: Any = None
        self.history: list[tuple[int, np.ndarray, int | None, float | None]] = []
        images, labels = load_test_digits(status)
        self.digit_input = DigitInput(status, images, labels, rng=self.rng)
        guard = status.guard
        self.substep_button = labelled_button(text.SUBSTEP_BUTTON, button_style="info")
        self.substep_button.on_click(guard(lambda _b: self.substep()))
        self.strip = DigitStrip(scale=3)
        self.strip.add_class("explorer-dae-states")
        self.substep_strip = DigitStrip(scale=4)
        self.substep_strip.add_class("explorer-dae-substeps")
        self.transport = TransportBar(
            status, on_step=self.step, on_reset=self.reset_chain,
            paused_text=lambda: text.paused(self.n_steps), running_text=text.RUNNING,
            speed=(1, 30, 15), speed_label=text.SPEED_LABEL,
            frames_behind=self.strip.frames_behind, what="The chain")
        self.diagram = widgets.HTML(diagram_svg(None))
        self.digit_input.on_change(guard(self._on_digit_change))
        left = widgets.VBox([widgets.HTML(text.MNIST_HEADING), self.digit_input],
                            layout=widgets.Layout(width="370px", margin="0 24px 0 0"))
        right = widgets.VBox([
            widgets.HBox([self.substep_button, self.transport]), self.transport.speed,
            widgets.HTML(text.STRIP_HEADING), self.strip,
            widgets.HTML(text.SUBSTEP_STRIP_HEADING),
            widgets.HBox([self.substep_strip, self.diagram])])
        self.children = [widgets.HBox([left, right])]
        self._load(model_name)
        if self.model is not None:
            self.digit_input.load_test_digit(min(FIRST_DIGIT, len(images) - 1))
            self.digit_input.apply_preset("right-half")

    def _load(self, name: str) -> None:
        from explorer.weights import load_pretrained

        try:
            self.model = load_pretrained(name, device="cpu", expected_kind="dae")
            self.classifier = load_pretrained("classifier-mnist", device="cpu",
                                              expected_kind="classifier")
        except ExplorerError as exc:
            self.model = None
            self.transport.set_enabled(False)
            self.substep_button.disabled = True
            self.status.error(text.missing_weights(str(exc), name))

    @property
    def n_steps(self) -> int:
        return self.chain.n_steps if self.chain is not None else 0

    def _on_digit_change(self, change: DigitChange) -> None:
        if self.model is not None:
            self.reset_chain()
            self.status.show(change.message, "ok")

    def reset_chain(self) -> None:
        """A new chain clamped to the canvas (free pixels start as coin flips)."""
        if self.model is None:
            return
        observed = (self.digit_input.image >= 0.5).astype(np.float32)
        g = torch.Generator().manual_seed(int(self.rng.integers(1 << 62)))
        self.chain = conditional_sampler(self.model, observed, self.digit_input.clamp_mask, 1, g)
        self.history = [(0, self.chain.state[0].numpy().copy(), None, None)]
        self.render(self.chain.frame())

    def _read(self, x: torch.Tensor) -> tuple[int, float]:
        digit, confidence = self.classifier.predict(x.reshape(1, -1))
        return int(digit[0]), float(confidence[0])

    def _record(self) -> None:
        state = self.chain.state[0]
        digit, confidence = self._read(state)
        self.history.append((self.chain.n_steps, state.numpy().copy(), digit, confidence))
        del self.history[:-HISTORY]

    def substep(self) -> Any:
        if self.chain is None:
            raise ExplorerError("No model is loaded.")
        self.transport.pause(quiet=True)
        with torch_threads(1):
            frame = self.chain.substep()
            if frame.done == "sample":
                self._record()
            self.render(frame)
        self.status.show(text.substep_done(frame.done, frame.next, self.chain.n_steps), "info")
        return frame

    def step(self) -> None:
        if self.chain is None:
            raise ExplorerError("No model is loaded.")
        with torch_threads(1):  # 2 threads on a busy 2-core machine are far slower
            while True:
                frame = self.chain.substep()
                if frame.done == "sample":
                    break
            self._record()
            self.render(frame)

    def render(self, frame: Any) -> None:
        mask = self.digit_input.clamp_mask
        states = np.stack([s for _, s, _, _ in self.history])
        captions = [text.state_caption(t, d, c) for t, _, d, c in self.history]
        blank = np.zeros(784, dtype=np.float32)

        def first(t: torch.Tensor | None) -> np.ndarray:
            return blank if t is None else t[0].numpy()

        inside = [first(frame.x), first(frame.x_tilde),
                  first(None if frame.omega is None else frame.omega.mean),
                  first(frame.x_next)]
        with self.hold_sync():
            self.strip.show(states, captions, mask=mask)
            self.substep_strip.show(np.stack(inside), list(text.SUBSTEP_CAPTIONS), mask=mask)
            self.diagram.value = diagram_svg(frame.done)
