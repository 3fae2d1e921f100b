"""The inpainting app's behaviour: clamped conditional sampling by clicking (§20.11.2).

The student draws (or loads) a digit and paints the clamp mask (:class:`DigitInput`); ``k``
parallel chains of any model that offers a conditional sampler (see
:mod:`explorer.sampling.registry`; today the RBM's block Gibbs) then sample the free pixels given
the clamped ones. All math is in the sampler and the models; this view only drives it.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np
import torch

from explorer.errors import ExplorerError
from explorer.sampling.conditional import ConditionalSampler
from explorer.sampling.consensus import consensus_index
from explorer.sampling.inpaint import model_device
from explorer.sampling.registry import (
    conditional_sampler,
    models_that_inpaint,
    offers_conditional_sampler,
)
from explorer.views.digit_input import DigitChange, DigitInput, load_test_digits
from explorer.views.inpainting import link, text
from explorer.views.inpainting.compare import attach_compare_view
from explorer.views.inpainting.panels import ChainsPanel
from explorer.views.page import add_page_bar
from explorer.views.status import StatusLine, explainer
from explorer.views.transport import TransportBar

N_CHAINS = 8
FIRST_DIGIT = 13  # a clearly written 3 of the test split: its free half has several completions
RATE_REPORT_S = 1.0  # how often a run says the rate it achieves


def _available_models() -> list[str]:
    from explorer.weights import list_pretrained

    return models_that_inpaint(list_pretrained())


class InpaintingApp(widgets.VBox):
    """The app as one widget; its parts are public attributes so tests can drive it headless:
    ``digit_input`` (:class:`DigitInput`), ``transport`` (:class:`TransportBar`), ``chains``
    (:class:`ChainsPanel`; ``chains_view`` is its strip), ``show_as``, ``model_choice``,
    ``step_label``, ``status``, and ``chain`` (the current :class:`ConditionalSampler`);
    ``view_choice`` and ``compare_view`` (:mod:`.compare`) for the compare-all view."""

    def __init__(
        self, model_name: str = "rbm-mnist", n_chains: int = N_CHAINS, seed: int = 0
    ) -> None:
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-inpainting")
        self.n_chains = n_chains
        self.rng = np.random.default_rng(seed)
        self.status = StatusLine()
        self.model = None
        self.classifier = None
        self.chain: ConditionalSampler | None = None
        self._last_rate_report = 0.0
        test_images, test_labels = load_test_digits(self.status)
        self.digit_input = DigitInput(self.status, test_images, test_labels, rng=self.rng)
        self._build_widgets(model_name)
        self._load_models(model_name, announce=False)
        self.compare_view = attach_compare_view(self)  # the "Compare all models" toggle
        if self.model is not None:
            self.digit_input.load_test_digit(min(FIRST_DIGIT, len(test_images) - 1))
            self.digit_input.apply_preset("right-half")
            self.status.show(text.READY, "ok")
        add_page_bar(self, link.apply_link, link.link_state)

    # -- building ------------------------------------------------------------------------
    def _build_widgets(self, model_name: str) -> None:
        guard = self.status.guard
        self.chains = ChainsPanel()
        self.chains_view = self.chains.strip
        self.transport = TransportBar(
            self.status, on_step=self.step, on_reset=self._reset_button, tick=self._run_tick,
            on_run=self._before_run, paused_text=lambda: text.paused(self.n_steps),
            running_text=text.RUNNING, speed=(1, 30, 25), speed_label=text.SPEED_LABEL,
            frames_behind=self.chains_view.frames_behind, what="The chain")
        self.speed = self.transport.speed
        names = _available_models() or [model_name]
        self.model_choice = widgets.Dropdown(options=names,
                                             value=model_name if model_name in names else names[0],
                                             description=text.MODEL_LABEL)
        self.show_as = widgets.ToggleButtons(options=text.SHOW_OPTIONS, value="prob",
                                             description=text.SHOW_LABEL,
                                             style={"button_width": "78px"})
        self.step_label = widgets.HTML()
        self.step_label.add_class("explorer-step-count")
        self.digit_input.on_change(guard(self._on_digit_change))
        self.show_as.observe(guard(lambda _c: self.render()), names="value")
        self.model_choice.observe(guard(lambda change: self._load_models(change["new"])),
                                  names="value")
        # Narrow screens (projectors at 1024 px): the digit column keeps its width, the chains
        # column and its rows wrap rather than squeeze the canvas or the buttons.
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        self.transport.layout.flex_flow = "row wrap"
        left = widgets.VBox([widgets.HTML(text.DIGIT_HEADING), self.digit_input],
                            layout=widgets.Layout(width="370px", flex="0 0 auto",
                                                  margin="0 24px 0 0"))
        right = widgets.VBox([
            widgets.HTML(text.CHAINS_HEADING),
            widgets.HBox([self.transport, self.step_label], layout=wrap),
            widgets.HBox([self.speed, self.show_as], layout=wrap),
            self.chains,
            self.model_choice,
        ], layout=widgets.Layout(flex="1 1 520px", min_width="0"))
        self.children = [explainer(text.EXPLANATION),
                         widgets.HBox([left, right], layout=widgets.Layout(flex_flow="row wrap")),
                         self.status]

    def _load_models(self, model_name: str, announce: bool = True) -> None:
        from explorer.weights import load_pretrained

        self.transport.pause(quiet=True)
        try:
            model = load_pretrained(model_name, device="cpu")
            self.classifier = load_pretrained("classifier-mnist", device="cpu",
                                              expected_kind="classifier")
            problem = None if offers_conditional_sampler(model) else text.no_sampler(
                model_name, model.kind)
        except ExplorerError as exc:
            problem = text.missing_weights(str(exc), model_name)
        if problem is not None:
            self.model = None
            self.chain = None
            self.transport.set_enabled(False)
            self.status.error(problem)
            return
        self.model = model
        self.transport.set_enabled(True)
        self.reset_chains()
        if announce:
            self.status.show(text.model_loaded(model_name), "ok")

    # -- the digit -----------------------------------------------------------------------
    def _on_digit_change(self, change: DigitChange) -> None:
        if self.model is None:
            return
        self.reset_chains()
        self.status.show(text.restarted(change.message, change.ink_on_free), "ok")

    # -- chains --------------------------------------------------------------------------
    @property
    def n_steps(self) -> int:
        return self.chain.n_steps if self.chain is not None else 0

    def reset_chains(self) -> None:
        """New chains clamped to the canvas; free pixels start as the sampler starts them."""
        if self.model is None:
            return
        observed = (self.digit_input.image >= 0.5).astype(np.float32)
        generator = torch.Generator(device=model_device(self.model))
        generator.manual_seed(int(self.rng.integers(1 << 62)))
        self.chain = conditional_sampler(self.model, observed, self.digit_input.clamp_mask,
                                         self.n_chains, generator)
        self.chains.restart(self.chain)
        self.render()

    def _reset_button(self) -> None:
        self.reset_chains()
        if self.model is not None:
            self.status.show(text.RESET, "ok")

    def step(self, n: int = 1) -> None:
        """``n`` steps of every chain, then redraw."""
        if self.chain is None:
            raise ExplorerError(text.NOTHING_TO_STEP)
        for _ in range(n):
            self.chain.step()
            self.chains.record(self.chain)
        self.render()

    def _before_run(self) -> None:
        if self.chain is None:
            raise ExplorerError(text.NOTHING_TO_STEP)
        self._last_rate_report = time.perf_counter()

    def _run_tick(self) -> None:
        self.step()
        now = time.perf_counter()
        achieved = self.transport.achieved_hz
        if now - self._last_rate_report >= RATE_REPORT_S and achieved > 0:
            self._last_rate_report = now
            self.status.show(text.running(achieved, self.transport.pacer.rate_hz), "info")

    # -- drawing -------------------------------------------------------------------------
    def render(self) -> None:
        chain = self.chain
        if chain is None:
            return
        shown = chain.probabilities if self.show_as.value == "prob" else chain.state  # (K, V)
        if chain.n_steps == 0:  # coin flips: a classifier's reading would mean nothing
            captions = [text.caption(k) for k in range(chain.n_chains)]
        else:
            completion = chain.completion()
            digits, confidence = self.classifier.predict(completion)
            chosen = int(consensus_index(completion.cpu(), ~chain.clamp_mask.cpu()))
            captions = [text.caption(k, int(d), float(c), k == chosen)
                        for k, (d, c) in enumerate(zip(digits, confidence, strict=True))]
        with self.hold_sync():
            self.chains.show(chain, shown.cpu().numpy(), captions,
                             mask=self.digit_input.clamp_mask)
            self.step_label.value = text.sweeps_label(chain.n_steps)

    @property
    def predictions(self) -> np.ndarray:
        """The classifier's digit for each chain's completion (K,)."""
        digits, _ = self.classifier.predict(self.chain.completion())
        return digits.numpy()


def build_inpainting_app(model_name: str = "rbm-mnist") -> InpaintingApp:
    """The inpainting app, ready to display (the last line of ``apps/inpainting.ipynb``)."""
    return InpaintingApp(model_name)
