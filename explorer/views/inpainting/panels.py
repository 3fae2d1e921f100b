"""What the inpainting app draws: the chains' strip, and the sampler's diagnostics (hidden units
per layer, an energy trace) — each shown only when the sampler provides it."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from explorer.sampling.conditional import ConditionalSampler
from explorer.views.charts import heat_png, line_chart_svg
from explorer.views.inpainting import text
from explorer.views.widgets import DigitStrip

TRACE_LENGTH = 200


def grid_shape(n_units: int) -> tuple[int, int]:
    """Rows × columns of a near-square grid holding exactly ``n_units`` cells."""
    rows = max(1, int(np.sqrt(n_units)))
    while n_units % rows:
        rows -= 1
    return rows, n_units // rows


class ChainsPanel(widgets.VBox):
    """The chains (``strip``), their classifier captions, and the sampler's diagnostics."""

    def __init__(self) -> None:
        super().__init__()
        self.strip = DigitStrip(scale=4)
        self.strip.add_class("explorer-chains")
        self.hidden_box = widgets.HBox()
        self.hidden_box.add_class("explorer-hidden-units-box")
        self.hidden_views: dict[str, widgets.Image] = {}
        self.energy_view = widgets.HTML()
        self.energy_view.add_class("explorer-energy-trace")
        self.energy_trace: list[np.ndarray] = []  # (K,) per sweep, the last TRACE_LENGTH
        self.images_view = DigitStrip(scale=3)  # pixel-space insides (a DAE's x̃, reconstruction)
        self.images_view.add_class("explorer-inside-images")
        self.images_view.layout.display = "none"
        self.children = [self.strip, widgets.HTML(text.CAPTIONS_NOTE),
                         widgets.HBox([self.hidden_box, self.energy_view]), self.images_view]

    def restart(self, chain: ConditionalSampler) -> None:
        """Forget the trace of the previous chain; start one at this chain's state."""
        energy = chain.diagnostics().energy
        self.energy_trace = [] if energy is None else [energy.cpu().numpy()]

    def record(self, chain: ConditionalSampler) -> None:
        """Append the energy after a step (if the sampler has one)."""
        energy = chain.diagnostics().energy
        if energy is not None:
            self.energy_trace.append(energy.cpu().numpy())
            del self.energy_trace[:-TRACE_LENGTH]

    def show(self, chain: ConditionalSampler, shown: np.ndarray, captions: list[str],
             mask: np.ndarray) -> None:
        """Draw ``shown`` (K, 784) with ``captions``, and whatever diagnostics ``chain`` has."""
        diagnostics = chain.diagnostics()
        self.strip.show(shown, captions, mask=mask)
        self._show_hidden(diagnostics.hidden)
        self._show_images(diagnostics.images)
        if diagnostics.energy is None or not self.energy_trace:
            self.energy_view.layout.display = "none"
            self.energy_view.value = ""
            return
        self.energy_view.layout.display = None
        trace = np.stack(self.energy_trace, axis=1)  # (K, T)
        if trace.shape[1] > 2 and chain.n_steps < TRACE_LENGTH:
            trace = trace[:, 1:]  # the noisy start would flatten the rest of the plot
        first = chain.n_steps - trace.shape[1] + 1
        self.energy_view.value = line_chart_svg(
            trace, text.energy_title(diagnostics.energy_name), x_label="sweeps",
            x_offset=max(0, first))

    def _show_images(self, images: dict) -> None:
        """Chain 1's pixel-space intermediates (e.g. x̃ and the reconstruction), if any."""
        if not images:
            self.images_view.layout.display = "none"
            return
        self.images_view.layout.display = None
        stack = np.stack([values[0].float().cpu().numpy() for values in images.values()])
        self.images_view.show(np.clip(stack, 0, 1), [f"chain 1: {k}" for k in images])

    def _show_hidden(self, hidden: dict) -> None:
        if list(hidden) != list(self.hidden_views):
            self.hidden_views = {}
            columns = []
            for layer, values in hidden.items():
                image = widgets.Image(format="png", layout=widgets.Layout(width="250px"))
                image.add_class("explorer-hidden-units")
                self.hidden_views[layer] = image
                columns.append(widgets.VBox([
                    widgets.HTML(text.hidden_heading(layer, int(values.shape[1]))), image]))
            self.hidden_box.children = columns
        for layer, values in hidden.items():
            rows, cols = grid_shape(int(values.shape[1]))
            self.hidden_views[layer].value = heat_png(values[0].cpu().numpy(), rows, cols, 5)
