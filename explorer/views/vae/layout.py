"""Where each panel of the VAE manifold app sits on the page (no behaviour here)."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from explorer.metrics.vae_bounds import ELBO_SAMPLES, IWAE_K, IWAE_REPLICAS
from explorer.views.status import explainer
from explorer.views.vae import text
from explorer.views.vae.plane import EDGE_Z, GRID_SIDE


def app_children(app: Any) -> list[widgets.Widget]:
    """The rows of ``app``, a :class:`~explorer.views.vae.app.VAEManifoldApp` (not imported: the
    app imports this module): intro, model line, status; then (once a model is shown) the plane
    with the decoded digit and the drawing, the manifold with the interpolation; last the
    retraining."""
    children: list[widgets.Widget] = [
        explainer(text.INTRO),
        widgets.HBox([app.header, app.back_button],
                     layout=widgets.Layout(align_items="center")),
        app.status,
    ]
    if app.built:
        small = widgets.Layout(max_width="560px")
        plane_box = widgets.VBox([explainer(text.PLANE_TEXT), app.plane],
                                 layout=widgets.Layout(width="600px", margin="0 16px 0 0"))
        decoded_box = widgets.VBox([
            widgets.HTML("<b>g(z) under the cursor</b>"), app.decoded_view,
            widgets.HTML("<b>Pinned</b> (the last two are A and B)"), app.pins_view,
            app.clear_pins_button,
        ], layout=widgets.Layout(width="300px"))
        manifold_box = widgets.VBox(
            [explainer(text.MANIFOLD_TEXT.format(n=GRID_SIDE, edge=EDGE_Z)), app.manifold],
            layout=widgets.Layout(width="600px", margin="0 16px 0 0"))
        draw_box = widgets.VBox([
            explainer(text.DRAW_TEXT.format(s=ELBO_SAMPLES, k=IWAE_K, r=IWAE_REPLICAS)),
            widgets.HBox([
                widgets.VBox([app.canvas, app.tool]),
                widgets.VBox([app.clear_button, app.random_button,
                              app.pin_drawing_button, app.reconstruction_view],
                             layout=widgets.Layout(margin="0 0 0 10px")),
            ]),
            widgets.HBox([app.readout, app.magnifier],
                         layout=widgets.Layout(align_items="flex-start")),
        ], layout=small)
        interp_box = widgets.VBox([
            explainer(text.INTERP_TEXT), app.ends_label,
            widgets.HBox([widgets.VBox([app.alpha, app.pair_view]),
                          widgets.VBox([
                              widgets.HTML("<b>latent space</b>: g((1 − α) z<sub>A</sub> + α "
                                           "z<sub>B</sub>), α = 0 … 1"),
                              app.latent_path,
                              widgets.HTML("<b>pixel space</b>: (1 − α) x<sub>A</sub> + α "
                                           "x<sub>B</sub>"),
                              app.pixel_path,
                          ], layout=widgets.Layout(margin="0 0 0 20px"))],
                         layout=widgets.Layout(flex_flow="row wrap")),
        ])
        wrap = widgets.Layout(flex_flow="row wrap", align_items="flex-start")
        # Sections in reading order at every width: 1 (+ the decoded view), 2, then 3, 4, 5.
        children += [
            widgets.HBox([plane_box, decoded_box, manifold_box], layout=wrap),
            widgets.HBox([draw_box, interp_box], layout=wrap),
        ]
    children.append(app.retrain)
    return children
