"""The inpainting app: clamped conditional sampling by clicking (§20.11.2, fig. 20.12).

The student draws (or loads) a digit on a 28×28 canvas and paints the clamp mask; ``k`` parallel
block-Gibbs chains of an RBM then sample the free pixels given the clamped ones. All math is in
:class:`explorer.sampling.gibbs.ClampedGibbsChain` and the models; this view only drives it.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from explorer.errors import ExplorerError
from explorer.sampling.gibbs import ClampedGibbsChain
from explorer.sampling.masks import make_mask
from explorer.views.charts import heat_png, line_chart_svg
from explorer.views.common import (
    Pacer,
    StatusLine,
    explainer,
    labelled_button,
    load_test_digits,
)
from explorer.views.widgets import DigitCanvas, DigitStrip

N_CHAINS = 8
TRACE_LENGTH = 200
FIRST_DIGIT = 13  # a clearly written 3 of the test split: its free half has several completions

EXPLANATION = """
<b>What you are seeing.</b> A restricted Boltzmann machine (RBM) defines P(v, h) ∝ exp(bᵀv + cᵀh +
vᵀWh) over pixels v and hidden units h (eqs. 20.4–20.5). Its conditionals are factorial and
easy to sample (eqs. 20.15–20.16):
<i>P(h<sub>j</sub>=1 | v) = σ(c<sub>j</sub> + vᵀW<sub>:,j</sub>)</i> and
<i>P(v<sub>i</sub>=1 | h) = σ(b<sub>i</sub> + W<sub>i,:</sub>h)</i>.
One <b>Gibbs sweep</b> samples all hidden units given the pixels, then all pixels given the hidden
units. To <b>inpaint</b> (§20.11.2), the pixels you mark as <span style="color:#2563b8">clamped
(blue)</span> are put back to their observed values after every sweep, so the chain samples
P(v<sub>free</sub> | v<sub>clamped</sub>): the free pixels wander among completions the model finds
probable. Eight chains run side by side, so you see how diverse the completions are; under each,
a classifier says which digit the completion has become. Clamped pixels never change.
"""

TOOL_OPTIONS = [("Draw", "draw"), ("Erase", "erase"), ("Clamp", "mask"), ("Free", "unmask")]
TOOL_ICONS = ["pencil", "eraser", "lock", "unlock"]
PRESETS = [("Left half", "left-half"), ("Right half", "right-half"), ("Top half", "top-half"),
           ("Bottom half", "bottom-half"), ("Random 50%", "random-50"), ("Box", "box"),
           ("Clear mask", "none")]


def _available_models(kind: str) -> list[str]:
    from explorer.weights import list_pretrained

    return [name for name, card in list_pretrained() if card.get("kind") == kind]


class InpaintingApp(widgets.VBox):
    """The app as one widget; its parts are attributes so tests can drive it headless."""

    def __init__(self, model_name: str = "rbm-mnist", n_chains: int = N_CHAINS, seed: int = 0):
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-inpainting")
        self.n_chains = n_chains
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.status = StatusLine()
        self.model = None
        self.classifier = None
        self.chain: ClampedGibbsChain | None = None
        self.energy_trace: list[np.ndarray] = []
        self.test_images, self.test_labels = load_test_digits(self.status)
        self._build_widgets(model_name)
        self.pacer = Pacer(self.status.guard(self._run_tick), rate_hz=self.speed.value,
                           on_stop=self._on_pacer_stop, on_error=self._on_pacer_error)
        self._load_models(model_name)
        if self.model is not None:
            self.load_test_digit(min(FIRST_DIGIT, len(self.test_images) - 1))
            self.apply_preset("right-half")
            self.status.show("Ready. Press Step or Run — or draw, and paint the clamp mask.", "ok")

    # -- building ------------------------------------------------------------------------
    def _build_widgets(self, model_name: str) -> None:
        guard = self.status.guard
        self.canvas = DigitCanvas(scale=10)
        self.tool = widgets.ToggleButtons(options=TOOL_OPTIONS, value="draw", icons=TOOL_ICONS,
                                          style={"button_width": "78px"})
        self.tool.add_class("explorer-tool")
        self.brush = widgets.FloatSlider(value=1.0, min=0.5, max=3.0, step=0.5,
                                         description="Brush", continuous_update=False)
        self.preset_buttons: dict[str, widgets.Button] = {}
        for label, name in PRESETS:
            button = labelled_button(label, layout=widgets.Layout(width="auto"))
            button.on_click(guard(lambda _b, name=name: self.apply_preset(name)))
            self.preset_buttons[name] = button
        preset_buttons = list(self.preset_buttons.values())
        self.digit_index = widgets.BoundedIntText(value=0, min=0,
                                                  max=max(0, len(self.test_images) - 1),
                                                  description="Test digit",
                                                  layout=widgets.Layout(width="170px"))
        self.load_button = labelled_button("Load")
        self.random_button = labelled_button("Random digit")
        self.clear_button = labelled_button("Clear drawing")
        self.noise_button = labelled_button("Add noise")
        self.load_button.on_click(guard(lambda _b: self.load_test_digit(self.digit_index.value)))
        self.random_button.on_click(guard(lambda _b: self.load_test_digit(None)))
        self.clear_button.on_click(guard(lambda _b: self.clear_drawing()))
        self.noise_button.on_click(guard(lambda _b: self.add_noise()))

        names = _available_models("rbm") or [model_name]
        self.model_choice = widgets.Dropdown(options=names,
                                             value=model_name if model_name in names else names[0],
                                             description="Model")
        self.step_button = labelled_button("Step", button_style="primary", icon="step-forward")
        self.run_button = labelled_button("Run", button_style="success", icon="play")
        self.pause_button = labelled_button("Pause", button_style="warning", icon="pause")
        self.reset_button = labelled_button("Reset", icon="undo")
        self.speed = widgets.IntSlider(value=25, min=1, max=30, description="Sweeps/s",
                                       continuous_update=False)
        self.show_as = widgets.ToggleButtons(options=[("P(v|h)", "prob"), ("sample v", "sample")],
                                             value="prob", description="Show",
                                             style={"button_width": "78px"})
        self.step_label = widgets.HTML()
        self.step_label.add_class("explorer-step-count")
        self.chains_view = DigitStrip(scale=4)
        self.chains_view.add_class("explorer-chains")
        self.hidden_view = widgets.Image(format="png", layout=widgets.Layout(width="250px"))
        self.hidden_view.add_class("explorer-hidden-units")
        self.energy_view = widgets.HTML()
        self.energy_view.add_class("explorer-energy-trace")

        self.step_button.on_click(guard(lambda _b: self.step()))
        self.run_button.on_click(guard(lambda _b: self.run()))
        self.pause_button.on_click(guard(lambda _b: self.pause()))
        self.reset_button.on_click(guard(lambda _b: self.reset_chains()))
        self.tool.observe(guard(self._on_tool), names="value")
        self.brush.observe(guard(lambda change: setattr(self.canvas, "brush", change["new"])),
                           names="value")
        self.canvas.observe(guard(self._on_canvas), names=["pixels", "mask"])
        self.speed.observe(guard(lambda change: setattr(self.pacer, "rate_hz", change["new"])),
                           names="value")
        self.show_as.observe(guard(lambda _c: self.render()), names="value")
        self.model_choice.observe(guard(lambda change: self._load_models(change["new"])),
                                  names="value")

        legend = widgets.HTML(
            '<div style="font-size:12px;color:#334">grey = free pixel (sampled) · '
            '<span style="color:#2563b8;font-weight:bold">blue = clamped</span> (kept)</div>')
        left = widgets.VBox([
            widgets.HTML("<b>1 · Your digit and its clamp mask</b>"),
            self.canvas, legend, self.tool, self.brush,
            widgets.HTML("<b>Clamp presets</b>"),
            widgets.HBox(preset_buttons[:4]), widgets.HBox(preset_buttons[4:]),
            widgets.HBox([self.digit_index, self.load_button]),
            widgets.HBox([self.random_button, self.clear_button, self.noise_button]),
        ], layout=widgets.Layout(width="370px", margin="0 24px 0 0"))
        right = widgets.VBox([
            widgets.HTML("<b>2 · Eight Gibbs chains, clamped to your pixels</b>"),
            widgets.HBox([self.step_button, self.run_button, self.pause_button,
                          self.reset_button, self.step_label]),
            widgets.HBox([self.speed, self.show_as]),
            self.chains_view,
            widgets.HBox([
                widgets.VBox([widgets.HTML("<b>Hidden units of chain 1</b> P(h=1|v), 500 units"),
                              self.hidden_view]),
                widgets.VBox([self.energy_view]),
            ]),
            self.model_choice,
        ])
        self.children = [explainer(EXPLANATION), widgets.HBox([left, right]), self.status]

    def _load_models(self, model_name: str) -> None:
        from explorer.weights import load_pretrained

        self.pause()
        try:
            self.model = load_pretrained(model_name, device="cpu", expected_kind="rbm")
            self.classifier = load_pretrained("classifier-mnist", device="cpu",
                                              expected_kind="classifier")
        except ExplorerError as exc:
            self.model = None
            self._set_enabled(False)
            self.status.error(f"{exc}. Make the weights with: explorer train {model_name}")
            return
        self._set_enabled(True)
        self.reset_chains()

    def _set_enabled(self, enabled: bool) -> None:
        for button in (self.step_button, self.run_button, self.pause_button, self.reset_button):
            button.disabled = not enabled

    # -- canvas --------------------------------------------------------------------------
    def _on_tool(self, change: dict) -> None:
        self.canvas.tool = change["new"]

    def _on_canvas(self, _change: dict) -> None:
        self.reset_chains()

    def load_test_digit(self, index: int | None) -> None:
        """Put test digit ``index`` (None = random) on the canvas, keeping the mask."""
        if index is None:
            index = int(self.rng.integers(len(self.test_images)))
        if not 0 <= index < len(self.test_images):
            raise ExplorerError(f"choose a test digit between 0 and {len(self.test_images) - 1}")
        self.digit_index.value = index
        self.canvas.image = self.test_images[index]
        self.status.show(f"Test digit #{index} (a {self.test_labels[index]}) loaded.", "ok")

    def clear_drawing(self) -> None:
        self.canvas.image = np.zeros(784, np.float32)

    def add_noise(self, fraction: float = 0.08) -> None:
        """Flip a random ``fraction`` of the canvas pixels (then try clamping only some)."""
        image = self.canvas.image >= 0.5
        flips = self.rng.random(784) < fraction
        self.canvas.image = np.where(flips, ~image, image).astype(np.float32)

    def apply_preset(self, name: str) -> None:
        self.canvas.clamp_mask = make_mask(name, seed=int(self.rng.integers(1 << 30)))

    # -- chains --------------------------------------------------------------------------
    def reset_chains(self) -> None:
        """New chains clamped to the canvas; free pixels start as coin flips."""
        if self.model is None:
            return
        observed = (self.canvas.image >= 0.5).astype(np.float32)
        self.chain = ClampedGibbsChain(self.model, self.canvas.clamp_mask, observed,
                                       n_chains=self.n_chains,
                                       seed=int(self.rng.integers(1 << 30)))
        self.energy_trace = [self.chain.free_energy().numpy()]
        self.render()

    def step(self, n: int = 1) -> None:
        """``n`` Gibbs sweeps on every chain, then redraw."""
        if self.chain is None:
            raise ExplorerError("no model is loaded, so there is nothing to step")
        for _ in range(n):
            self.chain.step()
            self.energy_trace.append(self.chain.free_energy().numpy())
        del self.energy_trace[:-TRACE_LENGTH]
        self.render()

    def run(self) -> None:
        if self.chain is None:
            raise ExplorerError("no model is loaded, so there is nothing to run")
        self.pacer.rate_hz = self.speed.value
        self.pacer.start()
        self.run_button.disabled = True
        self.status.show("Running… press Pause to stop.", "info")

    def pause(self) -> None:
        """Stop the paced loop before its next sweep, and say so at once."""
        was_running = hasattr(self, "pacer") and self.pacer.running
        if hasattr(self, "pacer"):
            self.pacer.stop()
        self.run_button.disabled = self.model is None
        if was_running:
            self._on_pacer_stop()

    def _run_tick(self) -> None:
        if self.chains_view.frames_behind() >= 2:
            return  # the browser is still painting: skip this tick rather than queue frames
        self.step()

    def _on_pacer_stop(self) -> None:
        self.run_button.disabled = self.model is None
        if self.status.kind != "error":
            steps = self.chain.n_steps if self.chain else 0
            self.status.show(f"Paused after {steps} sweeps.", "ok")

    def _on_pacer_error(self, exc: BaseException) -> None:
        self.status.error(f"The chain stopped: {exc}")

    # -- drawing -------------------------------------------------------------------------
    def render(self) -> None:
        chain = self.chain
        if chain is None:
            return
        shown = chain.p_v if self.show_as.value == "prob" else chain.v  # (K, 784)
        digits, confidence = self.classifier.predict(chain.completion())
        captions = [f"chain {k + 1}: {int(d)} ({100 * float(c):.0f}%)"
                    for k, (d, c) in enumerate(zip(digits, confidence, strict=True))]
        with self.hold_sync():
            self.chains_view.show(shown.numpy(), captions, mask=self.canvas.clamp_mask)
            n_hidden = chain.p_h.shape[1]
            rows = int(np.sqrt(n_hidden))
            while n_hidden % rows:
                rows -= 1
            self.hidden_view.value = heat_png(chain.p_h[0].numpy(), rows, n_hidden // rows, 5)
            trace = np.stack(self.energy_trace, axis=1)  # (K, T)
            if trace.shape[1] > 2 and chain.n_steps < TRACE_LENGTH:
                trace = trace[:, 1:]  # the noisy start would flatten the rest of the plot
            first = chain.n_steps - trace.shape[1] + 1
            self.energy_view.value = line_chart_svg(
                trace, "Free energy F(v) of each chain (lower = more probable)",
                x_label="sweeps", x_offset=max(0, first))
            self.step_label.value = (f'<span style="font-size:15px;margin-left:10px">'
                                     f"sweeps: <b>{chain.n_steps}</b></span>")

    @property
    def predictions(self) -> np.ndarray:
        digits, _ = self.classifier.predict(self.chain.completion())
        return digits.numpy()


def build_inpainting_app(model_name: str = "rbm-mnist") -> InpaintingApp:
    """The inpainting app, ready to display (the last line of ``apps/inpainting.ipynb``)."""
    return InpaintingApp(model_name)
