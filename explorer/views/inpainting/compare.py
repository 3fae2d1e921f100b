"""The inpainting app's compare-all view: every model that can inpaint, on the same digit and
mask, one row of chains per model, stepping together under one :class:`TransportBar`.

The rows are a :class:`explorer.sampling.compare.CompareRows`; each row draws its chains
(:class:`DigitStrip`) with the classifier's reading under every completion, and the model's own
insides where its sampler's ``diagnostics()`` has them: hidden layers (both of a DBM; NADE's
per-pixel conditionals in sampling order), pixel-space intermediates (a DAE's x̃ and
reconstruction) and a per-chain energy (free energy, or NADE's exact −log p(x_free | x_clamped)).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import numpy as np

from explorer.errors import ExplorerError
from explorer.sampling.compare import CompareRows, RowReading
from explorer.sampling.registry import models_that_inpaint
from explorer.views.charts import heat_png
from explorer.views.digit_input import DigitChange
from explorer.views.inpainting import compare_text as text
from explorer.views.inpainting.panels import grid_shape
from explorer.views.transport import TransportBar
from explorer.views.widgets import DigitStrip

if TYPE_CHECKING:
    from explorer.views.digit_input import DigitInput
    from explorer.views.status import StatusLine


class ModelRow(widgets.VBox):
    """One model's row: heading, chains strip with captions, and its insides."""

    def __init__(self, name: str, kind: str) -> None:
        super().__init__()
        self.add_class("explorer-compare-row")
        self.name, self.kind = name, kind
        self.heading = widgets.HTML(text.row_heading(name, kind, None, None, 0))
        self.strip = DigitStrip(scale=3)
        self.strip.add_class("explorer-compare-chains")
        self.insides = widgets.HBox()
        self.insides.add_class("explorer-compare-insides")
        self.images = DigitStrip(scale=2)
        self._images_title = widgets.HTML()
        self._images_box = widgets.VBox([self._images_title, self.images])
        self.energy = widgets.HTML()
        # layer -> (its title, its heat map, the box holding both)
        self._hidden: dict[str, tuple[widgets.HTML, widgets.Image, widgets.VBox]] = {}
        self.children = [self.heading, self.strip, self.insides]

    def show(self, sampler: Any, reading: RowReading | None, label: int | None,
             mask: np.ndarray) -> None:
        n = sampler.n_chains
        if reading is None or sampler.n_steps == 0:
            captions = [text.caption(None, None)] * n
        else:
            captions = [text.caption(int(d), float(c), k == reading.consensus)
                        for k, (d, c) in enumerate(zip(reading.digits, reading.confidence,
                                                       strict=True))]
        self.strip.show(sampler.probabilities.float().cpu().numpy(), captions, mask=mask)
        chosen = None
        if reading is not None and reading.consensus is not None:
            chosen = (reading.consensus, int(reading.digits[reading.consensus]))
        self.heading.value = text.row_heading(
            self.name, self.kind, None if reading is None else reading.agreement, label,
            sampler.n_steps, chosen)
        self._show_insides(sampler.diagnostics())

    @staticmethod
    def _layer_widgets() -> tuple[widgets.HTML, widgets.Image, widgets.VBox]:
        title, image = widgets.HTML(), widgets.Image(format="png")
        image.add_class("explorer-compare-hidden")
        return title, image, widgets.VBox([title, image])

    def _show_insides(self, diagnostics: Any) -> None:
        """Update the insides in place: the widgets are made once per layer (a step only sends
        new values; fresh widgets every step cost ~30 comm openings per click)."""
        parts: list[widgets.Widget] = []
        if list(diagnostics.hidden) != list(self._hidden):
            self._hidden = {layer: self._layer_widgets() for layer in diagnostics.hidden}
        for layer, values in diagnostics.hidden.items():
            title, image, box = self._hidden[layer]
            rows, cols = grid_shape(int(values.shape[1]))
            image.value = heat_png(values[0].float().cpu().numpy(), rows, cols, 3)
            title.value = text.hidden_heading(layer, values.shape[1])
            parts.append(box)
        if diagnostics.images:
            labels = list(diagnostics.images)
            stack = np.stack([v[0].float().cpu().numpy() for v in diagnostics.images.values()])
            self.images.show(np.clip(stack, 0, 1), labels)
            self._images_title.value = text.images_heading(labels)
            parts.append(self._images_box)
        if diagnostics.energy is not None:
            self.energy.value = text.energy_line(diagnostics.energy_name,
                                                 diagnostics.energy.float().cpu().tolist())
            parts.append(self.energy)
        if [id(p) for p in parts] != [id(c) for c in self.insides.children]:
            self.insides.children = parts


class CompareView(widgets.VBox):
    """All inpainting models side by side; models load on the first :meth:`start`. Public parts:
    ``rows`` (name -> :class:`ModelRow`), ``compare`` (the :class:`CompareRows`), ``transport``,
    ``readings`` (the last :class:`RowReading` per model), ``step_label``."""

    def __init__(self, status: StatusLine, digit_input: DigitInput, classifier_loader: Any,
                 n_chains: int = 8, seed: int = 0) -> None:
        super().__init__()
        self.add_class("explorer-compare-all")
        self.status, self.digit_input = status, digit_input
        self._classifier_loader = classifier_loader
        self.n_chains = n_chains
        self.rng = np.random.default_rng(seed)
        self.compare: CompareRows | None = None
        self.rows: dict[str, ModelRow] = {}
        self.readings: dict[str, RowReading] = {}
        self.step_label = widgets.HTML(text.steps_label(0))
        self.rows_box = widgets.VBox()
        self.transport = TransportBar(
            status, on_step=self.step, on_reset=self._reset_button, tick=self.step,
            paused_text=lambda: text.paused(self.n_steps), running_text=text.RUNNING,
            speed=(1, 30, 10), speed_label=text.SPEED_LABEL, frames_behind=self._frames_behind,
            what="The compare-all chains")
        self.children = [widgets.HTML(text.HEADING), widgets.HTML(text.EXPLANATION),
                         widgets.HBox([self.transport, self.step_label]),
                         self.transport.speed, self.rows_box]
        digit_input.on_change(status.guard(self._on_digit_change))

    @property
    def n_steps(self) -> int:
        return 0 if self.compare is None else self.compare.n_steps

    def _frames_behind(self) -> int:
        return max((row.strip.frames_behind() for row in self.rows.values()), default=0)

    def start(self) -> None:
        """Load every pretrained model that can inpaint (once) and start the rows."""
        if self.compare is not None:
            return
        from explorer.weights import list_pretrained, load_pretrained

        names = models_that_inpaint(list_pretrained())
        if not names:
            raise ExplorerError(text.NO_MODELS)
        models = {name: load_pretrained(name, device="cpu") for name in names}
        self.classifier = self._classifier_loader()
        self.rows = {name: ModelRow(name, model.kind) for name, model in models.items()}
        self.rows_box.children = list(self.rows.values())
        self.compare = CompareRows(models, self._clamp_values(), self.digit_input.clamp_mask,
                                   self.n_chains, seed=int(self.rng.integers(1 << 30)))
        self.render()
        self.status.show(text.loaded(names), "ok")

    def _clamp_values(self) -> np.ndarray:
        return (self.digit_input.image >= 0.5).astype(np.float32)

    def label(self) -> int | None:
        """The true digit when the canvas holds an unaltered test digit, else ``None``."""
        index = self.digit_input.digit_index
        if index is None:
            return None
        original = self.digit_input.test_images[index] >= 0.5
        if not np.array_equal(original, self.digit_input.image >= 0.5):
            return None
        return int(self.digit_input.test_labels[index])

    def restart(self) -> None:
        if self.compare is None:
            return
        self.compare.restart(self._clamp_values(), self.digit_input.clamp_mask,
                             seed=int(self.rng.integers(1 << 30)))
        self.render()

    def _on_digit_change(self, _change: DigitChange) -> None:
        self.transport.pause(quiet=True)
        self.restart()

    def _reset_button(self) -> None:
        self.restart()
        self.status.show(text.RESET, "ok")

    def step(self, n: int = 1) -> None:
        """``n`` steps of every row, then redraw."""
        if self.compare is None:
            self.start()
        for _ in range(n):
            self.compare.step()
        self.render()

    def render(self) -> None:
        compare = self.compare
        if compare is None:
            return
        label = self.label()
        self.readings = compare.readings(self.classifier, label) if compare.n_steps else {}
        mask = self.digit_input.clamp_mask
        with self.hold_sync():
            for name, row in self.rows.items():
                row.show(compare.samplers[name], self.readings.get(name), label, mask)
            self.step_label.value = text.steps_label(compare.n_steps)


def attach_compare_view(app: Any) -> CompareView:
    """Add the compare-all view to an :class:`InpaintingApp` under a "View" toggle, before its
    status line; choosing "Compare all models" loads the models and shows the rows, and pauses
    the single-model chains. Returns the view (also ``app.compare_view``; the toggle is
    ``app.view_choice``)."""
    from explorer.weights import load_pretrained

    view = CompareView(app.status, app.digit_input,
                       lambda: load_pretrained("classifier-mnist", device="cpu",
                                               expected_kind="classifier"))
    view.layout.display = "none"
    choice = widgets.ToggleButtons(options=text.VIEW_OPTIONS, value="one",
                                   description=text.VIEW_LABEL)
    choice.add_class("explorer-compare-toggle")

    def on_choice(change: dict) -> None:
        if change["new"] == "all":
            app.transport.pause(quiet=True)
            view.layout.display = None
            view.start()
        else:
            view.transport.pause(quiet=True)
            view.layout.display = "none"

    choice.observe(app.status.guard(on_choice), names="value")
    children = list(app.children)
    at = children.index(app.status) if app.status in children else len(children)
    app.children = children[:at] + [choice, view] + children[at:]
    app.compare_view, app.view_choice = view, choice
    return view
