"""The DAE Markov-chain app (§20.11.1–3): ``app.py`` layout, ``toy_tab.py`` / ``mnist_tab.py``
behaviour, ``figure.py`` what is drawn, ``text.py`` every word a student reads."""

from explorer.views.dae_chain.app import DAEChainApp, build_dae_chain_app

__all__ = ["DAEChainApp", "build_dae_chain_app"]
