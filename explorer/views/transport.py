"""One transport bar for every app that steps something: Step / Run / Pause / Reset (+ speed).

The bar owns the paced loop (:class:`~explorer.views.pacing.Pacer`) and the button states; the
app gives it what one step is, what a reset is, and, for flow control, how many painted frames
the browser still owes (``frames_behind``): while the browser lags ``max_behind`` frames or more,
a tick is skipped instead of queueing frames, so Pause never waits behind a backlog.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from explorer.views.pacing import Pacer, RateMeter
from explorer.views.status import StatusLine, labelled_button


class TransportBar(widgets.HBox):
    """Step / Run / Pause / Reset buttons, an optional speed slider, and the loop behind them.

    - ``on_step()``: one step, drawn (Step, and each Run tick unless ``tick`` is given).
    - ``on_reset()``: back to the start, drawn.
    - ``tick()``: one beat of Run; returns ``False`` to stop by itself (default: ``on_step``).
    - ``on_run()``: called before a run starts; it may raise an ``ExplorerError`` to refuse.
    - ``paused_text()``: the status line once a run stops (by Pause or by itself).
    - ``speed``: ``(min, max, value)`` of the speed slider in steps per second, or ``None``
      for a fixed ``rate_hz``.
    """

    def __init__(
        self,
        status: StatusLine,
        *,
        on_step: Callable[[], Any],
        on_reset: Callable[[], Any],
        tick: Callable[[], bool | None] | None = None,
        on_run: Callable[[], Any] | None = None,
        paused_text: Callable[[], str] = lambda: "Paused.",
        running_text: str = "Running… press Pause to stop.",
        run_label: str = "Run",
        speed: tuple[int, int, int] | None = (1, 30, 25),
        speed_label: str = "Steps/s",
        rate_hz: float = 25.0,
        frames_behind: Callable[[], int] | None = None,
        max_behind: int = 2,
        what: str = "The run",
    ) -> None:
        super().__init__()
        self.add_class("explorer-transport")
        self.status = status
        self.on_step, self.on_reset = on_step, on_reset
        self._tick_fn = tick or on_step
        self.on_run = on_run
        self.paused_text = paused_text
        self.running_text = running_text
        self.frames_behind = frames_behind
        self.max_behind = max_behind
        self.what = what
        self.skipped_ticks = 0  # ticks skipped because the browser was still painting
        self._steps = RateMeter()  # over the last real steps
        guard = status.guard
        self.step_button = labelled_button("Step", button_style="primary", icon="step-forward")
        self.run_button = labelled_button(run_label, button_style="success", icon="play")
        self.pause_button = labelled_button("Pause", button_style="warning", icon="pause")
        self.reset_button = labelled_button("Reset", icon="undo")
        self.step_button.on_click(guard(lambda _b: self.step()))
        self.run_button.on_click(guard(lambda _b: self.run()))
        self.pause_button.on_click(guard(lambda _b: self.pause()))
        self.reset_button.on_click(guard(lambda _b: self.reset()))
        self.speed: widgets.IntSlider | None = None
        if speed is not None:
            lo, hi, value = speed
            rate_hz = value
            self.speed = widgets.IntSlider(value=value, min=lo, max=hi, description=speed_label,
                                           continuous_update=False)
            self.speed.add_class("explorer-speed")
            self.speed.observe(guard(self._on_speed), names="value")
        self.pacer = Pacer(guard(self._tick), rate_hz=rate_hz, on_stop=self._on_stop,
                           on_error=self._on_error)
        self.children = [self.step_button, self.run_button, self.pause_button, self.reset_button]
        self._enabled = True

    # -- what the buttons do ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.pacer.running

    @property
    def achieved_hz(self) -> float:
        """Steps per second this run really made (skipped ticks not counted), over the last (up
        to 32) steps; 0 before two steps. The pacer's own ``achieved_hz`` counts every tick."""
        return self._steps.hz

    def step(self) -> None:
        """One step (a run in progress stops first)."""
        self.pause(quiet=True)
        self.on_step()

    def run(self) -> None:
        if not self._enabled:
            return
        if self.on_run is not None:
            self.on_run()
        if self.speed is not None:
            self.pacer.rate_hz = self.speed.value
        if not self.pacer.running:
            self._steps.clear()
        self.pacer.start()
        self.run_button.disabled = True
        self.status.show(self.running_text, "info")

    def pause(self, quiet: bool = False) -> None:
        """Stop the loop before its next step, and (unless ``quiet``) say so at once."""
        was_running = self.pacer.running
        self.pacer.stop()
        self.run_button.disabled = not self._enabled
        if was_running and not quiet:
            self._say_paused()

    def reset(self) -> None:
        self.pause(quiet=True)
        self.on_reset()

    def set_enabled(self, enabled: bool) -> None:
        """Enable or disable every button (e.g. while no model is loaded)."""
        self._enabled = enabled
        if not enabled:
            self.pacer.stop()
        for button in (self.step_button, self.run_button, self.pause_button, self.reset_button):
            button.disabled = not enabled

    # -- the loop --------------------------------------------------------------------------
    def _tick(self) -> bool | None:
        if self.frames_behind is not None and self.frames_behind() >= self.max_behind:
            self.skipped_ticks += 1
            return True  # the browser is still painting: skip this beat rather than queue
        self._steps.mark()
        return self._tick_fn()

    def _on_speed(self, change: dict) -> None:
        self.pacer.rate_hz = change["new"]

    def _say_paused(self) -> None:
        if self.status.kind != "error":
            self.status.show(self.paused_text(), "ok")

    def _on_stop(self) -> None:
        self.run_button.disabled = not self._enabled
        self._say_paused()

    def _on_error(self, exc: BaseException) -> None:
        self.run_button.disabled = not self._enabled
        self.status.error(f"{self.what} stopped: {exc}")
