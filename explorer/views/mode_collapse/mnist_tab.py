"""The mode-collapse app's MNIST tab: the shipped collapsed and healthy MNIST GANs side by side —
a grid of generated digits, each captioned with the class ``classifier-mnist`` reads in it, and
the histogram of those classes over 1,000 digits against the uniform 10 %, with its KL to uniform.

The samples come from :func:`explorer.train.gan_mnist_recipe.mnist_samples` and the numbers from
:func:`explorer.metrics.modes.class_histogram`; the first draw uses the cards' sample seed, so it
shows the numbers on the cards. "New samples" draws 1,000 fresh digits from each GAN.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from explorer.views.mode_collapse import panels, text
from explorer.views.status import StatusLine, labelled_button

N_SHOWN = 36  # generated digits drawn per GAN, 6 × 6 (of the 1,000 the histogram counts)


class MnistTab(widgets.VBox):
    """Loads the MNIST GANs and the classifier the first time it is shown (:meth:`show`).

    ``numbers[name]``: the :func:`class_histogram` of the latest 1,000 digits of GAN ``name``;
    ``strips[name]``: its digit grid; ``seed``: the z seed of the latest draw."""

    def __init__(self, status: StatusLine) -> None:
        super().__init__()
        self.add_class("explorer-mnist-panel")
        self.status = status
        self.models: dict[str, Any] = {}
        self.classifier: Any = None
        self.numbers: dict[str, dict[str, Any]] = {}
        self.strips: dict[str, Any] = {}
        self.headings: dict[str, widgets.HTML] = {}
        self.histograms: dict[str, widgets.HTML] = {}
        self.lines: dict[str, widgets.HTML] = {}
        self.seed = 0
        self.resample_button = labelled_button("New samples", icon="refresh")
        self.resample_button.on_click(status.guard(lambda _b: self.resample()))
        self.children = [widgets.HTML(text.MNIST_LOADING)]

    @property
    def loaded(self) -> bool:
        return bool(self.models)

    def show(self) -> None:
        """Load the GANs and the classifier (once) and draw the cards' samples."""
        if self.loaded:
            return
        from explorer.train.gan_mnist_recipe import MNIST_RUNS, SAMPLE_SEED
        from explorer.views.widgets import DigitStrip
        from explorer.weights import load_pretrained

        self.classifier = load_pretrained("classifier-mnist", "cpu", expected_kind="classifier")
        columns = []
        for name in MNIST_RUNS:
            model = load_pretrained(name, "cpu", expected_kind="gan-mnist")
            self.models[name] = model
            self.headings[name] = widgets.HTML(text.mnist_heading(name, model.card))
            self.strips[name] = DigitStrip(scale=2, layout=widgets.Layout(width="420px"))
            self.histograms[name] = widgets.HTML()
            self.lines[name] = widgets.HTML()
            columns.append(widgets.VBox([self.headings[name], self.histograms[name],
                                         self.lines[name], self.strips[name]],
                                        layout=widgets.Layout(width="440px")))
        self.children = [widgets.HTML(text.box(text.MNIST_INTRO)), self.resample_button,
                         widgets.HBox(columns)]
        self.draw(SAMPLE_SEED)
        self.status.show(text.MNIST_READY, "ok")

    def resample(self) -> None:
        """1,000 fresh digits from each GAN (the next z seed)."""
        if not self.loaded:
            self.show()
        self.draw(self.seed + 1)
        self.status.show(text.mnist_resampled(self.seed), "ok")

    def draw(self, seed: int) -> None:
        """Sample each GAN with z seed ``seed``, read the classes, redraw digits and histograms."""
        from explorer.metrics.modes import class_histogram
        from explorer.train.gan_mnist_recipe import MNIST_SAMPLES, mnist_samples

        self.seed = seed
        for name, model in self.models.items():
            digits = mnist_samples(model, MNIST_SAMPLES, seed)  # (1000, 784) in [0, 1]
            numbers = class_histogram(digits, self.classifier)
            self.numbers[name] = numbers
            self.strips[name].show(digits[:N_SHOWN].numpy(),
                                   [str(k) for k in numbers["labels"][:N_SHOWN]])
            self.histograms[name].value = panels.class_histogram_svg(
                numbers["fractions"], text.HISTOGRAM_TITLE)
            self.lines[name].value = text.mnist_line(numbers)
