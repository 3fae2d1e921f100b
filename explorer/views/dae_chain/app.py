"""The DAE Markov-chain app (§20.11.1–3, figs. 20.11–20.12): a 2-D tab and an MNIST tab.

``app.py`` lays them out; ``toy_tab.py`` and ``mnist_tab.py`` are the behaviour, ``figure.py``
the diagram and histograms, ``text.py`` every word.
"""

from __future__ import annotations

import ipywidgets as widgets

from explorer.views.dae_chain import text
from explorer.views.dae_chain.mnist_tab import MnistTab
from explorer.views.dae_chain.toy_tab import ToyTab
from explorer.views.page import add_page_bar, widget_link
from explorer.views.status import StatusLine, explainer

LINK = widget_link({
    "toy": lambda app: app.toy_tab.toy_choice,
    "sigma": lambda app: app.toy_tab.sigma_choice,
    "walkback": lambda app: app.toy_tab.training_choice,
    "chains": lambda app: app.toy_tab.n_chains,
})


class DAEChainApp(widgets.VBox):
    """The app as one widget: ``toy_tab`` (:class:`ToyTab`), ``mnist_tab`` (:class:`MnistTab`),
    ``tabs``, ``status``. Switching tabs pauses the other tab's run."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-dae-chain")
        self.status = StatusLine()
        self.toy_tab = ToyTab(self.status, seed=seed)
        self.mnist_tab = MnistTab(self.status, seed=seed)
        self.tabs = widgets.Tab(children=[self.toy_tab, self.mnist_tab])
        self.tabs.set_title(0, text.TOY_TAB)
        self.tabs.set_title(1, text.MNIST_TAB)
        self.tabs.observe(self.status.guard(self._on_tab), names="selected_index")
        self.children = [explainer(text.EXPLANATION), self.tabs, self.status]
        if self.status.kind != "error":
            self.status.show(text.READY, "ok")
        add_page_bar(self, *LINK)  # ?toy=ring-8&sigma=0.3&walkback=True&chains=500

    def _on_tab(self, change: dict) -> None:
        self.toy_tab.transport.pause(quiet=True)
        self.mnist_tab.transport.pause(quiet=True)
        self.status.show(text.READY if change["new"] == 0 else text.MNIST_READY, "ok")


def build_dae_chain_app() -> DAEChainApp:
    """The DAE-chain app, ready to display (the last line of ``apps/dae_chain.ipynb``)."""
    return DAEChainApp()
