"""The mode-collapse app (§20.10.4): 2-D GANs trained live, one module per role.

``app`` (behaviour), ``plane`` (the canvas and the arrays it draws), ``panels`` (the curves),
``text`` (every word a student reads). ``apps/mode_collapse.ipynb`` calls
:func:`build_mode_collapse_app`.
"""

from explorer.views.mode_collapse.app import ModeCollapseApp, PairTrainer, build_mode_collapse_app

__all__ = ["ModeCollapseApp", "PairTrainer", "build_mode_collapse_app"]
