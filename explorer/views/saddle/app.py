"""The saddle-point app's behaviour: clicks, buttons, settings, and the paced animation.

Chapter §20.10.4: with infinitesimal simultaneous gradient steps, a and b "go into a stable,
circular orbit, rather than arriving at the equilibrium point at the origin". The app draws the
(a, b) plane with the field and the level sets of v, animates each optimizer's trajectory from a
clicked start, and plots ‖z_t‖ on a log scale against its closed-form rate. The second tab is the
Dirac-GAN of Mescheder et al. 2018 with its losses and regularizers.

All math comes from :mod:`explorer.games`; wording from :mod:`.text`, the static layers from
:mod:`.figure`, the per-frame arrays from :mod:`.payload`, the HTML panels from :mod:`.panels`.
One canvas widget (:mod:`.canvas`, no plotly) draws both panels for both games.
"""

from __future__ import annotations

import html
import math
import time

import ipywidgets as widgets
import numpy as np

from explorer.errors import ConfigError
from explorer.games import (
    METHOD_LABELS,
    dirac_prediction,
    flow_path,
    make_field,
    measured_behaviour,
    measured_factor,
    predicted_behaviour,
    simulate_many,
)
from explorer.views.page import add_page_bar
from explorer.views.saddle import figure, link, panels, payload, text
from explorer.views.saddle.canvas import SaddleCanvas, pairs_bytes
from explorer.views.saddle.controls import Controls
from explorer.views.saddle.figure import COLOURS, PLANE
from explorer.views.status import StatusLine, explainer
from explorer.views.transport import TransportBar

DEFAULT_STARTS = {"bilinear": (0.8, 0.6), "dirac": (1.0, 0.5)}
FRAMES = 120  # an animation takes about FRAMES / FPS seconds whatever the number of steps
FPS = 25.0
TICK_HZ = 100.0  # the paced loop looks this often whether the next frame is due
MAX_IN_FLIGHT = 3  # frames sent but not yet painted by the browser (the canvas acknowledges)
# With no acknowledgement for this long, send the next frame anyway: a page that was reloaded
# or hidden (no animation frames in a background tab) must not stall the animation for good.
ACK_WAIT_S = 0.25
CLICK_GAP_S = 0.15  # clicks closer together than this are dropped


class SaddleApp(widgets.VBox):
    """The app as one widget; its parts are attributes so tests can drive it headless.

    ``set_start(a, b)`` is what a click on the plane calls; ``play()``, ``pause()``,
    ``step()`` and ``reset()`` are the buttons (the transport bar's Play, Pause, Step, Reset).
    """

    def __init__(self) -> None:
        super().__init__()
        self.add_class("explorer-app")
        self.add_class("explorer-app-saddle_game")
        self.status = StatusLine()
        self.controls = c = Controls()
        # the widgets tests and the notebook reach directly
        self.method_boxes, self.tabs, self.table = c.method_boxes, c.tabs, c.table
        self.lr_slider, self.steps_slider = c.lr_slider, c.steps_slider
        self.loss_menu, self.reg_menu, self.eigen_panel = c.loss_menu, c.reg_menu, c.eigen_panel
        self.game = "bilinear"
        self.starts = dict(DEFAULT_STARTS)
        self.runs: dict[str, payload.Run] = {}
        self.t = 0
        self.fps = FPS  # animation frames per second (tests raise it)
        self._last_click = 0.0
        self._acked = 0  # the last frame version the browser has painted
        self._frontend = False  # has a browser ever acknowledged a frame?
        self._last_frame_at = 0.0
        self._recompute()
        self.t = self.steps
        self.canvas = SaddleCanvas(
            on_click=self.status.guard(self._on_plane_click), half=PLANE,
            shade_opacity=figure.SHADE_OPACITY, norm_title=text.NORM_TITLE,
            legend=dict(text.LEGEND), labels=dict(METHOD_LABELS), colours=dict(COLOURS),
        )
        self._show_background()
        self._show(self.t, everything=True)
        self.canvas.observe(self.status.guard(self._on_frame_painted), names="painted")
        self.transport = TransportBar(
            self.status, on_step=self._step, on_reset=self._reset, tick=self._tick,
            on_run=self._before_play, paused_text=lambda: text.paused(self.t, self.steps),
            running_text=text.PLAYING, run_label="Play", speed=None, rate_hz=TICK_HZ,
            what="The animation",
        )
        self.pacer = self.transport.pacer
        self.play_button = self.transport.run_button
        self.pause_button = self.transport.pause_button
        self.step_button = self.transport.step_button
        self.reset_button = self.transport.reset_button
        self._update_panels()
        self._wire()
        self.children = [
            explainer(
                f'<div style="font-style:italic;color:#333">{html.escape(text.SECTION_QUOTE)}'
                "</div>"
            ),
            c.tabs,
            c.method_box,
            c.slider_box,
            widgets.HBox([self.transport, c.time_label]),
            self.canvas,
            c.table,
            self.status,
            c.why,
        ]
        self.status.show(text.READY, "ok")
        add_page_bar(self, link.apply_link, link.link_state)

    def _wire(self) -> None:
        g = self.status.guard
        on_change = g(self._on_setting_change)
        for w in self.controls.value_widgets:
            w.observe(on_change, names="value")
        self.tabs.observe(g(self._on_tab), names="selected_index")

    # -- state ---------------------------------------------------------------------------
    @property
    def steps(self) -> int:
        return self.controls.steps

    @property
    def selected(self) -> list[str]:
        return self.controls.selected

    def _options(self) -> dict:
        return self.controls.dirac_options() if self.game == "dirac" else {}

    def _field(self):
        return make_field(self.game, **self._options())

    def _recompute(self) -> None:
        """Simulate every selected method from the current start (all math in explorer.games)."""
        c = self.controls
        lr, steps, start = c.lr, self.steps, self.starts[self.game]
        gamma, beta = float(c.gamma_slider.value), float(c.beta_slider.value)
        opts = self._options()
        hyper = dict(gamma=gamma, beta=beta, **opts)
        others = [m for m in self.selected if m != "flow"]
        trajs = simulate_many(self.game, others, lr, steps, start, **hyper)
        paths: dict[str, tuple[np.ndarray, int]] = {}
        if "flow" in self.selected:
            path, per_step = flow_path(self.game, lr, steps, start, **hyper)
            paths["flow"] = (path, per_step)
            trajs["flow"] = path[::per_step]
        analysis = {k: v for k, v in opts.items() if k != "clip"}
        clipped = opts.get("clip") is not None
        runs = {}
        for m in self.selected:
            traj = trajs[m]
            norms = np.hypot(traj[:, 0], traj[:, 1])
            if self.game == "bilinear":
                predicted, verdict = predicted_behaviour(m, lr, gamma, beta)
                reason = ""
            else:
                pred = dirac_prediction(m, lr, gamma, beta, clipped=clipped, **analysis)
                predicted, verdict, reason = pred.factor, pred.verdict, pred.reason
            path, per_step = paths.get(m, (None, 1))
            runs[m] = payload.Run(
                traj=traj,
                norms=norms,
                n_finite=int(np.isfinite(norms).sum()),
                predicted=predicted,
                predicted_verdict=verdict,
                reason=reason,
                measured=measured_factor(traj),
                measured_verdict=measured_behaviour(traj),
                path=path,
                per_step=per_step,
            )
        self.runs = runs
        self.t = min(self.t, steps)

    def _r0(self) -> float:
        return float(np.hypot(*self.starts[self.game]))

    def _log_range(self) -> list[float]:
        return payload.log_range(self.runs, self._r0())

    # -- drawing -------------------------------------------------------------------------
    @property
    def _sent(self) -> int:
        """The version of the last frame sent to the canvas."""
        return self.canvas.version

    def _show_background(self) -> None:
        """The static layers for the current game and field: shading, level sets, arrows,
        titles (sent only when they change, never with an animation frame)."""
        field = self._field()
        xt, yt, title = text.PLANE_TITLES[self.game]
        lx, ly = figure.level_sets(PLANE)
        ax, ay = figure.arrow_segments(field, PLANE)
        rgb = figure.shading_rgb(field)
        c = self.canvas
        with c.hold_sync():
            c.shade, c.shade_n = rgb.tobytes(), int(rgb.shape[0])
            c.levels = np.stack([lx, ly], 1).astype(np.float32).tobytes()
            c.arrows = np.stack([ax, ay], 1).astype(np.float32).tobytes()
            c.x_title, c.y_title, c.plane_title = xt, yt, title

    def _frame_arrays(self, t: int):
        steps, lr = self.steps, self.controls.lr
        traj = [payload.prefix(run, t, steps, lr) for run in self.runs.values()]
        norm = [payload.norm_prefix(run, t, steps) for run in self.runs.values()]
        return traj, norm, payload.heads(self.runs, t)

    def _show(self, t: int, everything: bool = False) -> None:
        """Push the revealed prefix (rows 0..t) of every selected trajectory (an animation
        frame: only trajectories, heads and norms); with ``everything`` also the ticked methods,
        closed-form dots, start, clip lines and the norm axis' ranges."""
        self.t = t
        c = self.canvas
        if not everything:
            c.frame(*self._frame_arrays(t))
            self._update_time_label()
            return
        clip = self._options().get("clip")
        r0, steps = self._r0(), self.steps
        with c.hold_sync():
            c.methods = list(self.runs)
            c.set_frame(*self._frame_arrays(t))
            dots = [payload.predicted_dots(run, r0, steps) for run in self.runs.values()]
            c.pred, c.pred_counts = pairs_bytes(dots)
            c.start = [float(v) for v in self.starts[self.game]]
            c.clip = float(clip) if clip is not None else 0.0
            c.steps = steps
            c.log_range = self._log_range()
            c.version += 1
        self._update_time_label()

    def _update_time_label(self) -> None:
        self.controls.time_label.value = (
            f'<span style="font-size:16px;margin-left:12px">step t = <b>{self.t}</b> / '
            f"{self.steps}</span>"
        )

    def _update_panels(self) -> None:
        self.table.value = panels.table_html(self.runs, local=self.game == "dirac")
        if self.game != "dirac":
            self.eigen_panel.value = ""
            return
        opts = self.controls.dirac_options()
        self.eigen_panel.value = panels.dirac_panel_html(opts, self.controls.lr,
                                                         self.runs.get("flow"))

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
        self._update_panels()
        names = ("a", "b") if self.game == "bilinear" else ("θ", "ψ")
        self.status.show(text.start_set(names, a, b), "ok")

    def _on_plane_click(self, a: float, b: float) -> None:
        """A click on the plane at (a, b): the start snaps to the click grid (0.1)."""
        now = time.monotonic()
        if now - self._last_click < CLICK_GAP_S:
            return
        self._last_click = now
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ConfigError(f"the start must lie on the plane [−{PLANE:g}, {PLANE:g}]²")
        self.set_start(figure.snap(a), figure.snap(b))

    def play(self) -> None:
        self.transport.run()

    def pause(self) -> None:
        self.transport.pause()

    def step(self) -> None:
        """One optimizer step for every trajectory."""
        self.transport.step()

    def reset(self) -> None:
        self.transport.reset()

    def _before_play(self) -> None:
        if not self.runs:
            raise ConfigError(text.NEED_METHOD)
        if self.t >= self.steps:
            self._show(0)
        self.pacer.rate_hz = max(TICK_HZ, self.fps)
        self._last_frame_at = 0.0

    def _step(self) -> None:
        self._show(min(self.t + 1, self.steps))
        self.status.show(text.step_done(self.t, self.steps), "info")

    def _reset(self) -> None:
        self._show(0)
        self.status.show(text.BACK_AT_START, "ok")

    def _frame_size(self) -> int:
        return max(1, math.ceil(self.steps / FRAMES))

    def _tick(self) -> bool:
        """One beat of the paced loop: send the next frame if it is due and the browser has
        kept up. The canvas acknowledges every painted version; with at most ``MAX_IN_FLIGHT``
        frames unpainted no backlog builds up on a slow machine, so Pause takes effect at once
        (a frame sent ``ACK_WAIT_S`` ago without an answer no longer holds the animation back).

        ``_last_frame_at`` is when the last frame was *due*, not when the tick that sent it
        came: frames keep to a fixed timeline of ``1/fps``, so the loop's ``1/TICK_HZ`` grain
        does not add its delay to every frame (it capped the animation near 22 frames/s)."""
        now = time.monotonic()
        period = 1.0 / self.fps
        if now - self._last_frame_at < period - 1e-3:
            return True
        behind = self._sent - self._acked >= MAX_IN_FLIGHT
        if self._frontend and behind:
            if now - self._last_frame_at < ACK_WAIT_S:
                return True
            # Those acks are lost, not late (a reloaded page, a background tab that paints
            # nothing): go on rather than wait forever.
            self._acked = self._sent
        t = min(self.t + self._frame_size(), self.steps)
        self._show(t)
        due = self._last_frame_at + period  # on the timeline, unless far behind it
        self._last_frame_at = due if now - due < period else now
        return t < self.steps

    def _on_frame_painted(self, change: dict) -> None:
        version = change.get("new")
        if isinstance(version, int) and version > 0:
            self._frontend = True
            self._acked = max(self._acked, min(version, self._sent))

    # -- settings ------------------------------------------------------------------------
    def redraw(self, background: bool = False) -> None:
        """Simulate again and redraw everything at the current step (what a setting does)."""
        self._recompute()
        if background:
            self._show_background()
        self._show(self.t, everything=True)
        self._update_panels()

    def _on_setting_change(self, change: dict) -> None:
        self.redraw(change.get("owner") in self.controls.dirac_widgets and self.game == "dirac")

    def _on_tab(self, change: dict) -> None:
        self.transport.pause(quiet=True)
        self.game = "dirac" if change["new"] == 1 else "bilinear"
        self._recompute()
        self.t = self.steps
        self._show_background()
        self._show(self.t, everything=True)
        self._update_panels()
        self.status.show(text.showing(self.game), "ok")


def build_saddle_app() -> SaddleApp:
    """The saddle-point app, ready to display (the last line of ``apps/saddle_game.ipynb``)."""
    return SaddleApp()
