"""The saddle-point app's inputs: optimizer check boxes, sliders, the Dirac-GAN's options, tabs.

:class:`Controls` only builds and lays out widgets and reads their values; what a change does
is wired in :mod:`explorer.views.saddle.app`.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from explorer.games import (
    LOSS_LABELS,
    LOSSES,
    METHOD_LABELS,
    METHODS,
    REGULARIZER_LABELS,
    REGULARIZERS,
    clips_psi,
)
from explorer.views.saddle import text
from explorer.views.saddle.figure import COLOURS
from explorer.views.status import explainer

DEFAULT_METHODS = ("flow", "simgd", "altgd", "extragradient", "optimistic")


def _slider(kind, name: str, value, lo, hi, step, **kw) -> widgets.Widget:
    slider = kind(value=value, min=lo, max=hi, step=step, description=text.SLIDERS[name],
                  continuous_update=False, style={"description_width": "initial"},
                  layout=widgets.Layout(width="300px"), **kw)
    slider.add_class(f"explorer-slider-{name}")
    return slider


def _menu(name: str, options, value: str) -> widgets.Dropdown:
    return widgets.Dropdown(options=options, value=value, description=text.SLIDERS[name],
                            style={"description_width": "initial"},
                            layout=widgets.Layout(width="280px"))


class Controls:
    """Every input of the app, as attributes (tests drive them headless)."""

    def __init__(self) -> None:
        self.method_boxes: dict[str, widgets.Checkbox] = {}
        cells = []
        for m in METHODS:
            box = widgets.Checkbox(value=m in DEFAULT_METHODS, description=METHOD_LABELS[m],
                                   indent=False, layout=widgets.Layout(width="200px"))
            box.add_class(f"explorer-method-{m}")
            self.method_boxes[m] = box
            swatch = widgets.HTML(
                f'<span style="display:inline-block;width:22px;height:6px;margin-top:12px;'
                f'background:{COLOURS[m]};border-radius:2px"></span>'
            )
            cells.append(widgets.HBox([swatch, box], layout=widgets.Layout(width="235px")))
        self.method_box = widgets.GridBox(
            cells, layout=widgets.Layout(grid_template_columns="repeat(4, 240px)")
        )
        self.method_box.add_class("explorer-methods")

        fs, ints = widgets.FloatSlider, widgets.IntSlider
        self.lr_slider = _slider(fs, "lr", 0.15, 0.01, 2.5, 0.01, readout_format=".2f")
        self.gamma_slider = _slider(fs, "gamma", 1.0, 0.0, 3.0, 0.05)
        self.beta_slider = _slider(fs, "beta", -0.5, -0.9, 0.9, 0.05)
        self.steps_slider = _slider(ints, "steps", 300, 20, 2000, 10)
        self.slider_box = widgets.HBox(
            [self.lr_slider, self.gamma_slider, self.beta_slider, self.steps_slider],
            layout=widgets.Layout(flex_flow="row wrap"),
        )

        # the Dirac-GAN's options
        self.loss_menu = _menu("loss", [(LOSS_LABELS[k], k) for k in LOSSES], "gan")
        self.reg_menu = _menu("regularizer", [(REGULARIZER_LABELS[k], k) for k in REGULARIZERS],
                              "none")
        self.reg_gamma_slider = _slider(fs, "reg_gamma", 1.0, 0.0, 5.0, 0.05)
        self.sigma_slider = _slider(fs, "sigma", 0.7, 0.0, 2.0, 0.05)
        self.clip_slider = _slider(fs, "clip", 1.0, 0.1, 2.0, 0.05)
        self.eigen_panel = widgets.HTML()
        self.eigen_panel.add_class("explorer-eigen-panel")
        dirac_box = widgets.VBox([
            widgets.HTML(f'<div style="font-size:14px;max-width:1100px">{text.DIRAC_TEXT}</div>'),
            widgets.HBox([self.loss_menu, self.reg_menu]),
            widgets.HBox([self.reg_gamma_slider, self.sigma_slider, self.clip_slider]),
            self.eigen_panel,
        ])
        bilinear_box = widgets.VBox([
            widgets.HTML(f'<div style="font-size:14px;max-width:1100px">{text.BILINEAR_TEXT}</div>')
        ])
        self.tabs = widgets.Tab(children=[bilinear_box, dirac_box])
        self.tabs.titles = text.TAB_TITLES
        self.tabs.add_class("explorer-game-tabs")

        self.table = widgets.HTML()
        self.table.add_class("explorer-factor-table")
        lines = "".join(
            f'<li><b style="color:{COLOURS[m]}">{html.escape(METHOD_LABELS[m])}</b>: '
            f"{html.escape(text.WHY[m])}</li>"
            for m in METHODS
        )
        self.why = explainer(
            f'{text.WHY_HEADING}<ul style="margin:4px 0">{lines}</ul>{text.WHY_FOOTER}'
        )
        self.time_label = widgets.HTML()
        self.time_label.add_class("explorer-step-count")

    # -- values ------------------------------------------------------------------------------
    @property
    def value_widgets(self) -> tuple[widgets.Widget, ...]:
        """Every input whose change means a new simulation."""
        return (
            *self.method_boxes.values(),
            self.lr_slider,
            self.gamma_slider,
            self.beta_slider,
            self.steps_slider,
            *self.dirac_widgets,
        )

    @property
    def dirac_widgets(self) -> tuple[widgets.Widget, ...]:
        """The inputs that change the Dirac-GAN's field (and so its background)."""
        return (self.loss_menu, self.reg_menu, self.reg_gamma_slider, self.sigma_slider,
                self.clip_slider)

    @property
    def steps(self) -> int:
        return int(self.steps_slider.value)

    @property
    def lr(self) -> float:
        return float(self.lr_slider.value)

    @property
    def selected(self) -> list[str]:
        return [m for m in METHODS if self.method_boxes[m].value]

    def dirac_options(self) -> dict:
        """loss, regularizer, reg_gamma, sigma, clip (the WGAN bound, or None where ψ is not
        clipped: the logistic losses and WGAN-GP)."""
        loss, reg = self.loss_menu.value, self.reg_menu.value
        return dict(
            loss=loss,
            regularizer=reg,
            reg_gamma=float(self.reg_gamma_slider.value),
            sigma=float(self.sigma_slider.value),
            clip=float(self.clip_slider.value) if clips_psi(loss, reg) else None,
        )
