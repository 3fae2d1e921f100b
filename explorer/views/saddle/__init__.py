"""The saddle-point app (§20.10.4 and the Dirac-GAN), one module per role.

``app`` (behaviour), ``controls`` (inputs), ``canvas`` (the picture: one anywidget, no plotly),
``figure`` (its static layers), ``payload`` (the arrays pushed per frame), ``panels`` (the factor
table, the Dirac-GAN panel), ``text`` (every word a student reads).
``apps/saddle_game.ipynb`` calls :func:`build_saddle_app`.
"""

from explorer.views.saddle.app import (
    ACK_WAIT_S,
    MAX_IN_FLIGHT,
    SaddleApp,
    build_saddle_app,
)
from explorer.views.saddle.figure import COLOURS

__all__ = ["ACK_WAIT_S", "COLOURS", "MAX_IN_FLIGHT", "SaddleApp", "build_saddle_app"]
