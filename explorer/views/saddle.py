"""The saddle-point app: the bilinear game v(a, b) = ab and the Dirac-GAN under eight optimizers.

Chapter §20.10.4: with infinitesimal simultaneous gradient steps, a and b "go into a stable,
circular orbit, rather than arriving at the equilibrium point at the origin". The app draws the
(a, b) plane with the field and the level sets of v, animates each optimizer's trajectory from a
clicked start, and plots ‖z_t‖ on a log scale against its closed-form rate. The second tab is the
Dirac-GAN of Mescheder et al. 2018 with its losses and regularizers.

All math comes from :mod:`explorer.games`; this module only lays out widgets and pushes arrays.
One plotly FigureWidget (two subplots) serves both games: each costs the page ~5 MB of bundle.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.errors import ConfigError
from explorer.games import (
    BLOW_UP,
    LOSS_LABELS,
    LOSSES,
    METHOD_LABELS,
    METHODS,
    REGULARIZER_LABELS,
    REGULARIZERS,
    dirac_eigenvalues,
    dirac_jacobian,
    dirac_local_factor,
    make_field,
    measured_behaviour,
    measured_factor,
    predicted_behaviour,
    simulate_many,
)
from explorer.games.closed_forms import classify
from explorer.games.fields import field_arrays
from explorer.views.common import Pacer, StatusLine, explainer, labelled_button

COLOURS = {
    "flow": "#222222",
    "simgd": "#d62728",
    "altgd": "#1f77b4",
    "extragradient": "#2ca02c",
    "optimistic": "#9467bd",
    "consensus": "#ff7f0e",
    "momentum": "#8c564b",
    "altmomentum": "#17becf",
}
DEFAULT_METHODS = ("flow", "simgd", "altgd", "extragradient", "optimistic")
DEFAULT_STARTS = {"bilinear": (0.8, 0.6), "dirac": (1.0, 0.5)}
PLANE = 3.0  # the plane shows [−PLANE, PLANE]²
GRID = 61  # click grid: a start snaps to 6/60 = 0.1 (a finer heatmap slows every frame)
LEVELS = (0.25, 0.5, 1.0, 2.0, 4.0)  # level sets ab = ±c (both games' values depend on ab only)
MAX_DRAWN = 250  # points per trajectory pushed to the browser (a fixed stride, so no shimmer)
FRAMES = 120  # an animation takes about FRAMES / FPS seconds whatever the number of steps
FPS = 25.0
TICK_HZ = 100.0  # the paced loop looks this often whether the next frame is due
MAX_IN_FLIGHT = 3  # frames sent but not yet painted by the browser (plotly acknowledges each)
# With no acknowledgement for this long, send the next frame anyway: acks can be merged or
# missing (animate frames), and a lost one must not slow the animation to a crawl.
ACK_WAIT_S = 0.25
CLICK_GAP_S = 0.15  # clicks closer together than this are dropped (plotly sends every one)

VERDICT_COLOURS = {
    "converges": "#1d7a3a",
    "cycles": "#1f5fa8",
    "diverges": "#b42318",
    "at equilibrium": "#555",
    "unknown": "#555",
    "—": "#555",
}

SECTION_QUOTE = (
    "“If we model each player as making infinitesimally small gradient steps, each player "
    "reducing their own cost at the expense of the other player, then a and b go into a "
    "stable, circular orbit, rather than arriving at the equilibrium point at the origin.” "
    "— §20.10.4, on v(a, b) = ab"
)

WHY = {
    "flow": "ȧ = −b, ḃ = a is a rotation: ‖z‖ never changes. This is the circular orbit of "
    "§20.10.4 — infinitesimal steps never reach the saddle.",
    "simgd": "both players step along the tangent of their circle at once, and a tangent step "
    "always lands outside it: ‖z‖ grows by exactly √(1 + η²) every step.",
    "altgd": "b answers the a that has just moved. The map has determinant 1 and keeps "
    "a² + b² − η·ab constant: a closed, tilted ellipse for η < 2. It cycles, it never converges.",
    "extragradient": "a trial half step first; the real step uses the gradient found there, "
    "which already points a little inwards: ‖z‖ shrinks by √(1 − η² + η⁴) when η < 1.",
    "optimistic": "steps with 2F(z_t) − F(z_{t−1}): how the gradient just turned predicts where "
    "it is going, a look-ahead from memory. Converges for η < 1/√3.",
    "consensus": "adds γ∇½‖F‖² (= γz here), a pull straight towards the point where both "
    "gradients vanish: factor √((1 − ηγ)² + η²), converges for η < 2γ/(1 + γ²).",
    "momentum": "heavy ball, keeping β × the last step. With simultaneous steps it only carries "
    "the rotation further: it diverges for every β (Gidel et al. 2019).",
    "altmomentum": "the same on alternating steps: negative momentum (−1 < β < 0) brakes the "
    "rotation and converges for η < 2(1 + β); β > 0 diverges.",
}

DIRAC_TEXT = (
    "<b>The Dirac-GAN</b> (Mescheder, Geiger &amp; Nowozin 2018): the data is a point at 0, the "
    "generator a point at θ, the discriminator D(x) = ψx, and the GAN objective "
    "L(θ, ψ) = f(ψθ) + f(0) with f(t) = −log(1 + e<sup>−t</sup>). Its field is the rotation of the "
    "ab-game scaled by f′(ψθ) &gt; 0, so it has the same circles. "
    "R1 (γ/2·ψ²) and instance noise (σ) add damping on ψ, so the eigenvalues at the equilibrium "
    "move left of the imaginary axis and small steps converge; WGAN has f″ = 0, so noise cannot "
    "help it, and the WGAN-GP penalty γ/2·(|ψ| − 1)² pushes ψ away from 0."
)
BILINEAR_TEXT = (
    "<b>The bilinear game</b> v(a, b) = a·b: player a minimizes v, player b maximizes it; the "
    "only equilibrium is the saddle at (0, 0). Both players following their gradient gives the "
    "field F(a, b) = (b, −a) (drawn as arrows, pointing where the flow goes). "
    "The shading is v (red &gt; 0, blue &lt; 0), the thin lines its level sets. "
    "<b>Click the plane</b> to start from there."
)


@dataclass
class Run:
    """One optimizer's precomputed trajectory and what the table says about it."""

    method: str
    traj: np.ndarray  # (steps+1, 2) float64, NaN after a blow-up
    norms: np.ndarray  # (steps+1,)
    n_finite: int  # rows before the first NaN
    predicted: float | None  # per-step factor from the closed form (local, for the Dirac-GAN)
    predicted_verdict: str
    measured: float
    measured_verdict: str


def _fmt(x: float | None, digits: int = 6) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.{digits}f}"


def _arrow_segments(field, half: float, n: int = 13) -> tuple[np.ndarray, np.ndarray]:
    """Unit arrows along −F (where the flow goes) on an n×n grid, as one NaN-separated line."""
    g = np.linspace(-0.9 * half, 0.9 * half, n)
    A, B = np.meshgrid(g, g)
    fa, fb = field_arrays(field, A, B)
    da, db = -fa, -fb
    size = np.hypot(da, db)
    keep = size > 1e-9
    da = np.where(keep, da / np.where(keep, size, 1.0), 0.0)
    db = np.where(keep, db / np.where(keep, size, 1.0), 0.0)
    length, barb = 0.09 * half, 0.035 * half
    xs: list[float] = []
    ys: list[float] = []
    c, s = math.cos(0.5), math.sin(0.5)
    for a, b, ua, ub, k in zip(
        A.ravel(), B.ravel(), da.ravel(), db.ravel(), keep.ravel(), strict=True
    ):
        if not k:
            continue
        ta, tb = a + 0.5 * length * ua, b + 0.5 * length * ub
        sa, sb = a - 0.5 * length * ua, b - 0.5 * length * ub
        # barbs: −u rotated by ±0.5 rad
        b1 = (ta + barb * (-ua * c + ub * s), tb + barb * (-ua * s - ub * c))
        b2 = (ta + barb * (-ua * c - ub * s), tb + barb * (ua * s - ub * c))
        xs += [sa, ta, math.nan, b1[0], ta, b2[0], math.nan]
        ys += [sb, tb, math.nan, b1[1], tb, b2[1], math.nan]
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32)


def _level_sets(half: float, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The hyperbolas ab = ±c for c in ``LEVELS`` inside [−half, half]², one NaN-separated line.
    v(a, b) = ab and the Dirac-GAN's f(θψ) + f(0) both depend on the product only."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    gap = np.array([np.nan])
    for c in LEVELS:
        a = np.geomspace(c / half, half, n)
        for sa, sb in ((1, 1), (-1, -1), (1, -1), (-1, 1)):
            xs += [sa * a, gap]
            ys += [sb * c / a, gap]
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32)


@contextmanager
def _fast_frame(fig: go.FigureWidget) -> Iterator[None]:
    """Like ``fig.batch_update()``, but sent as ``Plotly.animate`` with a zero-length transition
    and ``redraw: false``: plotly.js then re-plots only the changed scatter traces instead of
    recomputing the whole figure (heatmap, level sets, arrows, both subplots). Measured in
    headless Chromium: ~20 ms a frame instead of ~50 ms. (``fig.batch_animate`` would send
    ``redraw: true``, which is slower than an update.) Falls back to ``batch_update`` if this
    plotly version lacks the private hook."""
    perform = getattr(fig, "_perform_batch_animate", None)
    if perform is None or fig._in_batch_mode:
        with fig.batch_update():
            yield
        return
    fig._in_batch_mode = True
    try:
        yield
    finally:
        fig._in_batch_mode = False
        perform(
            {
                "transition": {"duration": 0, "easing": "linear"},
                "frame": {"duration": 0, "redraw": False},
            }
        )


class SaddleApp(widgets.VBox):
    """The app as one widget; its parts are attributes so tests can drive it headless.

    ``set_start(a, b)`` is what a click on the plane calls; ``play()``, ``pause()``,
    ``step()`` and ``reset()`` are the buttons.
    """

    # figure trace layout (fixed order)
    # Few traces: plotly.js re-does defaults for every trace on every frame.
    T_HEAT, T_LEVELS, T_ARROWS, T_CLIP, T_CIRCLE = 0, 1, 2, 3, 4
    T_TRAJ = 5  # + i for METHODS[i]
    T_HEADS = T_TRAJ + len(METHODS)
    T_START = T_HEADS + 1
    T_NORM = T_START + 1  # + i
    T_PRED = T_NORM + len(METHODS)  # one trace: every closed form as a dotted line

    def __init__(self) -> None:
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-saddle_game")
        self.status = StatusLine()
        self.game = "bilinear"
        self.starts = dict(DEFAULT_STARTS)
        self.runs: dict[str, Run] = {}
        self.t = 0
        self.fps = FPS  # animation frames per second (tests raise it)
        self._last_click = 0.0
        self._sent_edit = 0  # plotly's trace-edit id of the last frame sent …
        self._acked_edit = 0  # … and of the last one the browser has painted
        self._frontend = False  # has a browser ever acknowledged a frame?
        self._last_frame_at = 0.0
        self._drawn: set[str] = set()
        self._build_controls()
        self._recompute()
        self.t = self.steps
        self.fig = self._build_figure()  # wrapped last; mutated only in callbacks from here on
        self.fig.data[self.T_HEAT].on_click(self.status.guard(self._on_plane_click))
        self.fig.observe(self.status.guard(self._on_frame_painted), names="_js2py_traceDeltas")
        self._drawn = set(self.runs)
        self._update_table()
        self._update_dirac_panel()
        self._update_time_label()
        self.pacer = Pacer(
            self.status.guard(self._tick),
            rate_hz=TICK_HZ,
            on_stop=self._on_pacer_stop,
            on_error=self._on_pacer_error,
        )
        self._wire()
        self.children = [
            explainer(
                f'<div style="font-style:italic;color:#333">{html.escape(SECTION_QUOTE)}</div>'
            ),
            self.tabs,
            self.method_box,
            self.slider_box,
            self.button_box,
            self.fig,
            self.table,
            self.status,
            self.why,
        ]
        self.status.show(
            "Ready. Click the plane to choose a start, pick optimizers, then press Play.", "ok"
        )

    # -- building ------------------------------------------------------------------------
    def _build_controls(self) -> None:
        style = {"description_width": "initial"}
        wide = widgets.Layout(width="300px")
        self.method_boxes: dict[str, widgets.Checkbox] = {}
        cells = []
        for m in METHODS:
            box = widgets.Checkbox(
                value=m in DEFAULT_METHODS,
                description=METHOD_LABELS[m],
                indent=False,
                layout=widgets.Layout(width="200px"),
            )
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

        self.lr_slider = widgets.FloatSlider(
            value=0.15,
            min=0.01,
            max=2.5,
            step=0.01,
            description="step size η",
            continuous_update=False,
            style=style,
            layout=wide,
            readout_format=".2f",
        )
        self.gamma_slider = widgets.FloatSlider(
            value=1.0,
            min=0.0,
            max=3.0,
            step=0.05,
            description="consensus γ",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.beta_slider = widgets.FloatSlider(
            value=-0.5,
            min=-0.9,
            max=0.9,
            step=0.05,
            description="momentum β",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.steps_slider = widgets.IntSlider(
            value=300,
            min=20,
            max=2000,
            step=10,
            description="steps",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        for name, slider in (
            ("lr", self.lr_slider),
            ("gamma", self.gamma_slider),
            ("beta", self.beta_slider),
            ("steps", self.steps_slider),
        ):
            slider.add_class(f"explorer-slider-{name}")
        self.slider_box = widgets.HBox(
            [self.lr_slider, self.gamma_slider, self.beta_slider, self.steps_slider],
            layout=widgets.Layout(flex_flow="row wrap"),
        )

        self.play_button = labelled_button("Play", icon="play", button_style="success")
        self.pause_button = labelled_button("Pause", icon="pause")
        self.step_button = labelled_button("Step", icon="step-forward")
        self.reset_button = labelled_button("Reset", icon="undo")
        self.time_label = widgets.HTML()
        self.time_label.add_class("explorer-step-count")
        self.button_box = widgets.HBox(
            [
                self.play_button,
                self.pause_button,
                self.step_button,
                self.reset_button,
                self.time_label,
            ]
        )

        # the Dirac-GAN's options
        self.loss_menu = widgets.Dropdown(
            options=[(LOSS_LABELS[k], k) for k in LOSSES],
            value="gan",
            description="loss",
            style=style,
            layout=widgets.Layout(width="280px"),
        )
        self.reg_menu = widgets.Dropdown(
            options=[(REGULARIZER_LABELS[k], k) for k in REGULARIZERS],
            value="none",
            description="regularizer",
            style=style,
            layout=widgets.Layout(width="280px"),
        )
        self.reg_gamma_slider = widgets.FloatSlider(
            value=1.0,
            min=0.0,
            max=5.0,
            step=0.05,
            description="penalty γ",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.sigma_slider = widgets.FloatSlider(
            value=0.7,
            min=0.0,
            max=2.0,
            step=0.05,
            description="noise σ",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.clip_slider = widgets.FloatSlider(
            value=1.0,
            min=0.1,
            max=2.0,
            step=0.05,
            description="WGAN clip |ψ| ≤ c",
            continuous_update=False,
            style=style,
            layout=wide,
        )
        self.eigen_panel = widgets.HTML()
        self.eigen_panel.add_class("explorer-eigen-panel")
        dirac_box = widgets.VBox(
            [
                widgets.HTML(f'<div style="font-size:14px;max-width:1100px">{DIRAC_TEXT}</div>'),
                widgets.HBox([self.loss_menu, self.reg_menu]),
                widgets.HBox([self.reg_gamma_slider, self.sigma_slider, self.clip_slider]),
                self.eigen_panel,
            ]
        )
        bilinear_box = widgets.VBox(
            [widgets.HTML(f'<div style="font-size:14px;max-width:1100px">{BILINEAR_TEXT}</div>')]
        )
        self.tabs = widgets.Tab(children=[bilinear_box, dirac_box])
        self.tabs.titles = ("Bilinear game v(a, b) = ab", "Dirac-GAN")
        self.tabs.add_class("explorer-game-tabs")

        self.table = widgets.HTML()
        self.table.add_class("explorer-factor-table")
        lines = "".join(
            f'<li><b style="color:{COLOURS[m]}">{html.escape(METHOD_LABELS[m])}</b>: '
            f"{html.escape(WHY[m])}</li>"
            for m in METHODS
        )
        self.why = explainer(
            "<b>Why each optimizer does what it does</b> (bilinear game, η = step size):"
            f'<ul style="margin:4px 0">{lines}</ul>'
            "The dotted lines on the right are the closed forms ‖z₀‖·ρᵗ; for the Dirac-GAN ρ is "
            "the local factor at the equilibrium, so they only hold once a run gets close to it. "
            "A run stops once ‖z‖ passes 10⁶."
        )

    def _wire(self) -> None:
        g = self.status.guard
        self.play_button.on_click(g(lambda _b: self.play()))
        self.pause_button.on_click(g(lambda _b: self.pause()))
        self.step_button.on_click(g(lambda _b: self.step()))
        self.reset_button.on_click(g(lambda _b: self.reset()))
        on_change = g(self._on_setting_change)
        for box in self.method_boxes.values():
            box.observe(on_change, names="value")
        for w in (
            self.lr_slider,
            self.gamma_slider,
            self.beta_slider,
            self.steps_slider,
            self.loss_menu,
            self.reg_menu,
            self.reg_gamma_slider,
            self.sigma_slider,
            self.clip_slider,
        ):
            w.observe(on_change, names="value")
        self.tabs.observe(g(self._on_tab), names="selected_index")

    # -- state ---------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return int(self.steps_slider.value)

    @property
    def selected(self) -> list[str]:
        return [m for m in METHODS if self.method_boxes[m].value]

    def _dirac_options(self) -> dict:
        return dict(
            loss=self.loss_menu.value,
            regularizer=self.reg_menu.value,
            reg_gamma=float(self.reg_gamma_slider.value),
            sigma=float(self.sigma_slider.value),
            clip=float(self.clip_slider.value),
        )

    def _hyper(self) -> dict:
        hyper = dict(gamma=float(self.gamma_slider.value), beta=float(self.beta_slider.value))
        if self.game == "dirac":
            hyper.update(self._dirac_options())
        return hyper

    def _recompute(self) -> None:
        """Simulate every selected method from the current start (all math in explorer.games)."""
        lr, steps = float(self.lr_slider.value), self.steps
        hyper = self._hyper()
        start = self.starts[self.game]
        trajs = simulate_many(self.game, self.selected, lr, steps, start, **hyper)
        runs = {}
        for m, traj in trajs.items():
            norms = np.hypot(traj[:, 0], traj[:, 1])
            finite = np.isfinite(norms)
            n_finite = int(finite.sum())
            if self.game == "bilinear":
                rho, verdict = predicted_behaviour(m, lr, hyper["gamma"], hyper["beta"])
                predicted: float | None = rho
            else:
                opts = self._dirac_options()
                opts.pop("clip")
                predicted = dirac_local_factor(m, lr, hyper["gamma"], hyper["beta"], **opts)
                verdict = "—" if predicted is None else classify(predicted)
            runs[m] = Run(
                method=m,
                traj=traj,
                norms=norms,
                n_finite=n_finite,
                predicted=predicted,
                predicted_verdict=verdict,
                measured=measured_factor(traj),
                measured_verdict=measured_behaviour(traj),
            )
        self.runs = runs
        self.t = min(self.t, steps)

    # -- figure --------------------------------------------------------------------------
    def _plane_titles(self) -> tuple[str, str, str]:
        if self.game == "bilinear":
            return (
                "a — player 1 (minimizes v)",
                "b — player 2 (maximizes v)",
                "the (a, b) plane — click to set the start",
            )
        return (
            "θ — generator",
            "ψ — discriminator",
            "the (θ, ψ) plane of the Dirac-GAN — click to set the start",
        )

    def _background(self):
        """Field, shading grid and arrows for the current game."""
        field = make_field(self.game, **(self._dirac_options() if self.game == "dirac" else {}))
        g = np.linspace(-PLANE, PLANE, GRID)
        A, B = np.meshgrid(g, g)
        value = field.value(A, B)
        ax, ay = _arrow_segments(field, PLANE)
        return field, g, value, ax, ay

    def _clip_lines(self) -> tuple[list, list]:
        if self.game == "dirac" and self.loss_menu.value == "wgan":
            c = float(self.clip_slider.value)
            return [-PLANE, PLANE, None, -PLANE, PLANE], [c, c, None, -c, -c]
        return [], []

    def _circle(self) -> tuple[np.ndarray, np.ndarray]:
        r = float(np.hypot(*self.starts[self.game]))
        phi = np.linspace(0.0, 2.0 * np.pi, 181)
        return (r * np.cos(phi)).astype(np.float32), (r * np.sin(phi)).astype(np.float32)

    def _build_figure(self) -> go.FigureWidget:
        field, g, value, ax, ay = self._background()
        xt, yt, title = self._plane_titles()
        fig = make_subplots(
            rows=1,
            cols=2,
            column_widths=[0.5, 0.5],
            horizontal_spacing=0.09,
            subplot_titles=(title, "‖z_t‖ on a log scale — dotted: closed form ‖z₀‖·ρᵗ"),
        )
        mid = float(np.median(value))
        zmax = float(np.abs(value - mid).max()) or 1.0
        fig.add_trace(  # the shading of v, and what catches clicks anywhere on the plane
            go.Heatmap(
                x=g,
                y=g,
                z=value.astype(np.float32),
                colorscale="RdBu_r",
                zsmooth="best",
                zmid=mid,
                zmin=mid - zmax,
                zmax=mid + zmax,
                opacity=0.35,
                showscale=False,
                hovertemplate="start here: (%{x:.1f}, %{y:.1f})<extra></extra>",
                name="v",
            ),
            row=1,
            col=1,
        )
        lx, ly = _level_sets(PLANE)
        fig.add_trace(
            go.Scatter(
                x=lx,
                y=ly,
                mode="lines",
                line=dict(color="#8a8a8a", width=0.8),
                hoverinfo="skip",
                name="level sets",
                showlegend=False,
            ),
            row=1,
            col=1,
        )
        fig.add_trace(
            go.Scatter(
                x=ax,
                y=ay,
                mode="lines",
                line=dict(color="#8a94a6", width=1.2),
                hoverinfo="skip",
                name="field −F (flow direction)",
                showlegend=True,
            ),
            row=1,
            col=1,
        )
        cx, cy = self._clip_lines()
        fig.add_trace(
            go.Scatter(
                x=cx,
                y=cy,
                mode="lines",
                line=dict(color="#b42318", width=1.5, dash="dot"),
                hoverinfo="skip",
                name="WGAN clip |ψ| = c",
                visible=bool(cx),
            ),
            row=1,
            col=1,
        )
        ox, oy = self._circle()
        fig.add_trace(
            go.Scatter(
                x=ox,
                y=oy,
                mode="lines",
                line=dict(color="#444", width=1.5, dash="dash"),
                hoverinfo="skip",
                name="flow's circle ‖z‖ = ‖z₀‖",
            ),
            row=1,
            col=1,
        )
        for m in METHODS:
            x, y = self._prefix(m, self.t)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    line=dict(color=COLOURS[m], width=2.6),
                    hoverinfo="skip",
                    name=METHOD_LABELS[m],
                    legendgroup=m,
                    visible=m in self.runs,
                ),
                row=1,
                col=1,
            )
        hx, hy, hc = self._heads(self.t)
        fig.add_trace(
            go.Scatter(
                x=hx,
                y=hy,
                mode="markers",
                hoverinfo="skip",
                showlegend=False,
                marker=dict(size=12, color=hc, line=dict(color="white", width=1.5)),
            ),
            row=1,
            col=1,
        )
        sa, sb = self.starts[self.game]
        fig.add_trace(
            go.Scatter(
                x=[sa],
                y=[sb],
                mode="markers",
                hoverinfo="skip",
                name="start",
                marker=dict(
                    size=15, color="black", symbol="x-thin", line=dict(color="black", width=3)
                ),
            ),
            row=1,
            col=1,
        )
        for m in METHODS:
            x, y = self._norm_prefix(m, self.t)
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    line=dict(color=COLOURS[m], width=2.6),
                    name=METHOD_LABELS[m],
                    legendgroup=m,
                    showlegend=False,
                    visible=m in self.runs,
                    hovertemplate=f"{METHOD_LABELS[m]}<br>t=%{{x}} ‖z‖=%{{y:.3g}}<extra></extra>",
                ),
                row=1,
                col=2,
            )
        px, py, pc = self._predicted_dots()
        fig.add_trace(
            go.Scatter(
                x=px,
                y=py,
                mode="markers",
                hoverinfo="skip",
                showlegend=False,
                marker=dict(color=pc, size=4),
                name="closed forms",
            ),
            row=1,
            col=2,
        )
        # constrain="domain": keep the ranges exactly [−PLANE, PLANE] and shrink the box instead
        fig.update_xaxes(
            range=[-PLANE, PLANE],
            title_text=xt,
            fixedrange=True,
            row=1,
            col=1,
            zeroline=True,
            zerolinecolor="#999",
            constrain="domain",
        )
        fig.update_yaxes(
            range=[-PLANE, PLANE],
            title_text=yt,
            fixedrange=True,
            row=1,
            col=1,
            scaleanchor="x",
            scaleratio=1,
            zeroline=True,
            zerolinecolor="#999",
            constrain="domain",
        )
        fig.update_xaxes(range=[0, self.steps], title_text="step t", row=1, col=2)
        fig.update_yaxes(
            type="log",
            range=self._log_range(),
            title_text="‖z_t‖",
            row=1,
            col=2,
            exponentformat="power",
        )
        fig.update_layout(
            height=620,
            margin=dict(l=60, r=20, t=50, b=40),
            font=dict(size=15),
            legend=dict(orientation="h", yanchor="top", y=-0.14, x=0.0, font=dict(size=14)),
            plot_bgcolor="white",
            hovermode="closest",
            dragmode=False,
        )
        return go.FigureWidget(fig)

    # -- payload -------------------------------------------------------------------------
    def _stride(self) -> int:
        return max(1, math.ceil((self.steps + 1) / MAX_DRAWN))

    def _indices(self, m: str, t: int) -> np.ndarray:
        """Rows 0..t (only the finite part) at a fixed stride, always ending at the last one."""
        run = self.runs[m]
        last = min(t, run.n_finite - 1)
        idx = np.arange(0, last + 1, self._stride())
        if idx[-1] != last:
            idx = np.append(idx, last)
        return idx

    def _prefix(self, m: str, t: int) -> tuple[np.ndarray, np.ndarray]:
        if m not in self.runs:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        idx = self._indices(m, t)
        traj = self.runs[m].traj
        # beyond the plane only the direction matters: clip so float32 and the browser cope
        xy = np.clip(traj[idx], -1e3, 1e3).astype(np.float32)
        return xy[:, 0], xy[:, 1]

    def _norm_prefix(self, m: str, t: int) -> tuple[np.ndarray, np.ndarray]:
        if m not in self.runs:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        idx = self._indices(m, t)
        norms = self.runs[m].norms[idx]
        norms = np.where(norms > 1e-30, norms, np.nan)  # float32 and log axes: drop ≈ 0
        return idx.astype(np.float32), norms.astype(np.float32)

    def _heads(self, t: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
        xs, ys, cs = [], [], []
        for m, run in self.runs.items():
            row = run.traj[min(t, run.n_finite - 1)]
            xs.append(float(np.clip(row[0], -1e3, 1e3)))
            ys.append(float(np.clip(row[1], -1e3, 1e3)))
            cs.append(COLOURS[m])
        return np.array(xs, np.float32), np.array(ys, np.float32), cs

    def _predicted_line(self, m: str) -> tuple[list, list]:
        """End points of the closed form ‖z₀‖·ρᵗ (a straight line on the log axis)."""
        run = self.runs.get(m)
        r0 = float(np.hypot(*self.starts[self.game]))
        if run is None or run.predicted is None or r0 == 0.0 or run.predicted <= 0.0:
            return [], []
        log_rho = math.log(run.predicted)
        t_end = float(self.steps)
        if log_rho != 0.0:  # stop the line where it leaves [1e-300, 1e7]
            bound = math.log(1e7 / r0) if log_rho > 0 else math.log(1e-300 / r0)
            t_end = min(t_end, max(bound / log_rho, 1.0))
        return [0.0, t_end], [r0, r0 * math.exp(log_rho * t_end)]

    def _predicted_dots(self, n: int = 48) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Every selected method's closed-form line as ``n`` dots (one trace for all colours)."""
        xs, ys, cs = [], [], []
        for m in self.runs:
            line = self._predicted_line(m)
            if not line[0]:
                continue
            (t0, t1), (y0, y1) = line
            t = np.linspace(t0, t1, n)
            xs.append(t)
            ys.append(y0 * np.exp(np.log(y1 / y0) * (t - t0) / (t1 - t0)))
            cs += [COLOURS[m]] * n
        if not xs:
            return np.zeros(0, np.float32), np.zeros(0, np.float32), []
        return (np.concatenate(xs).astype(np.float32), np.concatenate(ys).astype(np.float32), cs)

    def _log_range(self) -> list[float]:
        values = []
        r0 = float(np.hypot(*self.starts[self.game]))
        for run in self.runs.values():
            n = run.norms[: run.n_finite]
            n = n[n > max(1e-300, 1e-12 * r0)]
            if n.size:
                values += [float(n.min()), float(n.max())]
        if not values:
            return [-3.0, 1.0]
        lo, hi = max(min(values), 1e-12 * max(r0, 1e-300)), min(max(values), 2.0 * BLOW_UP)
        return [math.log10(lo) - 0.3, math.log10(hi) + 0.3]

    def _show(self, t: int, everything: bool = False) -> None:
        """Push the revealed prefix (rows 0..t) of every selected trajectory; with
        ``everything`` also visibility, colours, closed-form lines, start, circle and ranges."""
        self.t = t
        fig = self.fig
        if not everything:
            with _fast_frame(fig):  # an animation frame: only x/y of scatter traces change
                for i, m in enumerate(METHODS):
                    if m in self.runs:
                        tr, nr = fig.data[self.T_TRAJ + i], fig.data[self.T_NORM + i]
                        tr.x, tr.y = self._prefix(m, t)
                        nr.x, nr.y = self._norm_prefix(m, t)
                hx, hy, _ = self._heads(t)
                fig.data[self.T_HEADS].x, fig.data[self.T_HEADS].y = hx, hy
            self._sent_edit = int(getattr(fig, "_last_trace_edit_id", 0))
            self._update_time_label()
            return
        with fig.batch_update():
            for i, m in enumerate(METHODS):
                if m in self.runs or m in self._drawn:
                    tr, nr = fig.data[self.T_TRAJ + i], fig.data[self.T_NORM + i]
                    tr.x, tr.y = self._prefix(m, t)
                    nr.x, nr.y = self._norm_prefix(m, t)
                    tr.visible = nr.visible = m in self.runs
            hx, hy, hc = self._heads(t)
            heads = fig.data[self.T_HEADS]
            heads.x, heads.y = hx, hy
            heads.marker.color = hc
            pred = fig.data[self.T_PRED]
            pred.x, pred.y, pred.marker.color = self._predicted_dots()
            start = fig.data[self.T_START]
            start.x, start.y = [self.starts[self.game][0]], [self.starts[self.game][1]]
            ox, oy = self._circle()
            fig.data[self.T_CIRCLE].x, fig.data[self.T_CIRCLE].y = ox, oy
            cx, cy = self._clip_lines()
            fig.data[self.T_CLIP].x, fig.data[self.T_CLIP].y = cx, cy
            fig.data[self.T_CLIP].visible = bool(cx)
            fig.layout.xaxis2.range = [0, self.steps]
            fig.layout.yaxis2.range = self._log_range()
        self._drawn = set(self.runs)
        self._sent_edit = int(getattr(fig, "_last_trace_edit_id", 0))
        self._update_time_label()

    def _show_background(self) -> None:
        field, g, value, ax, ay = self._background()
        xt, yt, title = self._plane_titles()
        fig = self.fig
        mid = float(np.median(value))
        zmax = float(np.abs(value - mid).max()) or 1.0
        with fig.batch_update():
            heat = fig.data[self.T_HEAT]
            heat.z = value.astype(np.float32)
            heat.zmid, heat.zmin, heat.zmax = mid, mid - zmax, mid + zmax
            fig.data[self.T_ARROWS].x, fig.data[self.T_ARROWS].y = ax, ay
            fig.layout.xaxis.title.text = xt
            fig.layout.yaxis.title.text = yt
            fig.layout.annotations[0].text = title

    def _update_time_label(self) -> None:
        self.time_label.value = (
            f'<span style="font-size:16px;margin-left:12px">step t = <b>{self.t}</b> / '
            f"{self.steps}</span>"
        )

    def _update_table(self) -> None:
        local = self.game == "dirac"
        head = "predicted ρ (local, at 0)" if local else "predicted ρ (closed form)"
        rows = []
        for m, run in self.runs.items():
            last = run.norms[run.n_finite - 1]
            blown = run.n_finite < len(run.norms) or last > BLOW_UP
            end = f"&gt; 10⁶ at t = {run.n_finite - 1}" if blown else f"{last:.3g}"
            rows.append(
                "<tr>"
                f'<td style="text-align:left"><span style="color:{COLOURS[m]};font-size:18px">'
                f"■</span> {html.escape(METHOD_LABELS[m])}</td>"
                f"<td>{_fmt(run.predicted)}</td><td>{_fmt(run.measured)}</td>"
                f'<td style="color:{VERDICT_COLOURS.get(run.predicted_verdict, "#555")}">'
                f"{html.escape(run.predicted_verdict)}</td>"
                f'<td style="color:{VERDICT_COLOURS.get(run.measured_verdict, "#555")}">'
                f"<b>{html.escape(run.measured_verdict)}</b></td>"
                f"<td>{end}</td></tr>"
            )
        if not rows:
            rows.append('<tr><td colspan="6">Tick at least one optimizer above.</td></tr>')
        self.table.value = (
            '<table style="border-collapse:collapse;font-size:15px;margin:6px 0" '
            'cellpadding="5">'
            '<tr style="background:#eef1f6;text-align:center">'
            f"<th>optimizer</th><th>{head}</th><th>measured ρ (per step)</th>"
            "<th>predicted</th><th>measured</th><th>‖z‖ at the end</th></tr>"
            + "".join(rows)
            + "</table>"
            '<div style="font-size:12px;color:#555">measured ρ: exp of the slope of log ‖z_t‖ '
            "over the second half of the run (up to a blow-up).</div>"
        )

    def _update_dirac_panel(self) -> None:
        if self.game != "dirac":
            self.eigen_panel.value = ""
            return
        opts = self._dirac_options()
        loss, reg = opts["loss"], opts["regularizer"]
        J = dirac_jacobian(loss, reg, opts["reg_gamma"], opts["sigma"])
        if J is None:
            self.eigen_panel.value = (
                '<div style="font-size:14px;padding:6px;background:#fff8e6">'
                "<b>No Jacobian at the equilibrium:</b> the WGAN-GP penalty γ/2·(|ψ| − 1)² has "
                "a kink at ψ = 0, where it pushes ψ away towards ±1 with force γ. The linear "
                "analysis does not apply; Mescheder et al. 2018 show that WGAN-GP does not "
                "converge to the equilibrium in general.</div>"
            )
            return
        lam = dirac_eigenvalues(loss, reg, opts["reg_gamma"], opts["sigma"])
        lr = float(self.lr_slider.value)
        re_max = float(max(lam.real))
        simgd = float(max(abs(1.0 + lr * lam)))

        def c(z: complex) -> str:
            return f"{z.real:+.3f} {'+' if z.imag >= 0 else '−'} {abs(z.imag):.3f}i"

        if re_max < -1e-12:
            flow = "Re λ &lt; 0: the continuous flow <b>converges</b> locally"
        else:
            flow = "Re λ = 0: the continuous flow <b>circles</b> (no convergence)"
        gd = "converges" if simgd < 1 - 1e-12 else ("cycles" if simgd <= 1 + 1e-12 else "diverges")
        self.eigen_panel.value = (
            '<div style="font-size:14px;padding:6px;background:#f3f6fb">'
            "Jacobian of the gradient field v = −F at the equilibrium (0, 0): "
            f"[[{J[0, 0]:+.3f}, {J[0, 1]:+.3f}], [{J[1, 0]:+.3f}, {J[1, 1]:+.3f}]] — "
            f"eigenvalues λ = <b>{c(lam[0])}</b>, <b>{c(lam[1])}</b>.<br>"
            f"{flow}; simultaneous GD multiplies the distance by max |1 + ηλ| = "
            f"<b>{simgd:.5f}</b> per step near (0, 0): it <b>{gd}</b> locally at η = {lr:.2f}."
            "</div>"
        )

    # -- actions (buttons and clicks) -----------------------------------------------------
    def set_start(self, a: float, b: float) -> None:
        """Move the start to (a, b) (what a click on the plane does) and rewind to t = 0."""
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            raise ConfigError(f"the start must be two numbers, got ({a!r}, {b!r})") from None
        if not (math.isfinite(a) and math.isfinite(b)) or max(abs(a), abs(b)) > PLANE + 1e-9:
            raise ConfigError(f"the start must lie on the plane [−{PLANE:g}, {PLANE:g}]²")
        self.starts[self.game] = (a, b)
        self.t = 0
        self._recompute()
        self._show(0, everything=True)
        self._update_table()
        n1, n2 = ("a", "b") if self.game == "bilinear" else ("θ", "ψ")
        self.status.show(f"Start set to {n1} = {a:.2f}, {n2} = {b:.2f}. Press Play.", "ok")

    def _on_plane_click(self, trace, points, selector) -> None:
        now = time.monotonic()
        if now - self._last_click < CLICK_GAP_S or not points.xs:
            return
        self._last_click = now
        self.set_start(points.xs[0], points.ys[0])

    def play(self) -> None:
        if not self.runs:
            raise ConfigError("tick at least one optimizer first")
        if self.t >= self.steps:
            self._show(0)
        self.pacer.rate_hz = max(TICK_HZ, self.fps)
        self._last_frame_at = 0.0
        self.pacer.start()
        self.play_button.disabled = True
        self.status.show("Playing… press Pause to stop.", "info")

    def pause(self) -> None:
        self.pacer.stop()
        self.play_button.disabled = False

    def step(self) -> None:
        """One optimizer step for every trajectory."""
        self.pause()
        self._show(min(self.t + 1, self.steps))
        self.status.show(f"Step {self.t} of {self.steps}.", "info")

    def reset(self) -> None:
        self.pause()
        self._show(0)
        self.status.show("Back at the start. Press Play or Step.", "ok")

    def _frame_size(self) -> int:
        return max(1, math.ceil(self.steps / FRAMES))

    def _tick(self) -> bool:
        """One beat of the paced loop: send the next frame if it is due and the browser has
        kept up. Plotly acknowledges every painted update; with at most ``MAX_IN_FLIGHT`` frames
        unpainted no backlog builds up on a slow machine, so Pause takes effect at once (a
        frame sent ``ACK_WAIT_S`` ago without an answer no longer holds the animation back)."""
        now = time.monotonic()
        if now - self._last_frame_at < 1.0 / self.fps - 1e-3:
            return True
        behind = self._sent_edit - self._acked_edit >= MAX_IN_FLIGHT
        if self._frontend and behind:
            if now - self._last_frame_at < ACK_WAIT_S:
                return True
            # Those acks are lost, not late: plotly acknowledges an animate frame when
            # Plotly.animate resolves, and one interrupted by the next frame never does.
            self._acked_edit = self._sent_edit
        t = min(self.t + self._frame_size(), self.steps)
        self._show(t)
        self._last_frame_at = now
        return t < self.steps

    def _on_frame_painted(self, change: dict) -> None:
        msg = change.get("new")
        if isinstance(msg, dict) and "trace_edit_id" in msg:
            self._frontend = True
            self._acked_edit = max(self._acked_edit, int(msg["trace_edit_id"]))

    def _on_pacer_stop(self) -> None:
        self.play_button.disabled = False
        if self.status.kind != "error":
            done = self.t >= self.steps
            self.status.show(
                f"Done: {self.steps} steps." if done else f"Paused at step {self.t}.", "ok"
            )

    def _on_pacer_error(self, exc: BaseException) -> None:
        self.play_button.disabled = False
        self.status.error(f"The animation stopped: {exc}")

    # -- settings ------------------------------------------------------------------------
    def _on_setting_change(self, change: dict) -> None:
        owner = change.get("owner")
        background = (
            owner
            in (
                self.loss_menu,
                self.reg_menu,
                self.reg_gamma_slider,
                self.sigma_slider,
                self.clip_slider,
            )
            and self.game == "dirac"
        )
        self._recompute()
        if background:
            self._show_background()
        self._show(self.t, everything=True)
        self._update_table()
        self._update_dirac_panel()

    def _on_tab(self, change: dict) -> None:
        self.pause()
        self.game = "dirac" if change["new"] == 1 else "bilinear"
        self._recompute()
        self.t = self.steps
        self._show_background()
        self._show(self.t, everything=True)
        self._update_table()
        self._update_dirac_panel()
        name = "the Dirac-GAN" if self.game == "dirac" else "the bilinear game"
        self.status.show(f"Showing {name}. Click the plane to choose a start.", "ok")


def build_saddle_app() -> SaddleApp:
    """The saddle-point app, ready to display (the last line of ``apps/saddle_game.ipynb``)."""
    return SaddleApp()
