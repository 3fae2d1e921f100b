"""Live training for every app: drive a trainer in short chunks on the kernel's event loop.

Any trainer that follows the trainer contract can be driven (duck-typed):

- ``run_batches(n) -> dict[str, float]``: n minibatch updates, their metrics;
- ``done: bool``: the run is over;
- it raises :class:`explorer.errors.TrainingDiverged` on NaN/inf or runaway values;
- optional: ``fraction_done`` (in [0, 1], for the progress bar), ``total_batches`` and
  ``batches_done`` (so a chunk never runs past the end).

:class:`LiveTraining` runs one chunk per step of a :class:`~explorer.views.pacing.Pacer` (an
asyncio task on the kernel's loop, so Stop and hovers are answered between chunks), sizes each
chunk to take about ``chunk_s`` seconds, throttles redraws (``redraw`` after a chunk at most every
``redraw_s``; ``redraw_slow``, e.g. re-encoding a test set, in a step of its own at most every
``redraw_slow_s``), shows progress, puts a divergence's message in the status line, and has Stop.
Torch's thread count is set only while a chunk runs and restored after it (:func:`torch_threads`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as widgets
import torch

from explorer.errors import ExplorerError, TrainingDiverged
from explorer.views.pacing import Pacer
from explorer.views.status import StatusLine, labelled_button

CHUNK_S = 0.03  # training time per chunk; Stop and hover are answered between chunks
PERIOD_S = 0.06  # one chunk started every 60 ms at most: the rest is the page's
REDRAW_S = 0.25  # light redraws (curves) at most 4 a second
REDRAW_SLOW_S = 1.0  # heavy redraws (planes, pictures) once a second, in a step of their own
MAX_BATCHES = 40  # a chunk never holds more minibatches than this


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the old count (None: as is).

    One thread on a 2-core machine trains the apps' small models no slower (measured: 0.18 s per
    epoch of the VAE retrain either way) and leaves a core to the browser and the kernel's I/O.
    """
    if n is None:
        yield
        return
    old = torch.get_num_threads()
    if old != n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)


class LiveTraining:
    """Drives a trainer live: chunks on the event loop, throttled redraws, progress, Stop.

    ``on_metrics(metrics)`` gets every chunk's metrics (keep a history there);
    ``redraw()`` and ``redraw_slow()`` update the app's pictures; ``on_finish(ended)`` is called
    once the run ends, with ``"Finished"``, ``"Stopped"`` or ``"Diverged"`` (after the status
    line says why), or ``"Failed"`` (any other error, also said in the status line).
    The widgets :attr:`stop_button` and :attr:`progress` are for the app to lay out.
    """

    def __init__(
        self,
        status: StatusLine,
        on_metrics: Callable[[dict[str, float]], None] | None = None,
        redraw: Callable[[], None] | None = None,
        redraw_slow: Callable[[], None] | None = None,
        on_finish: Callable[[str], None] | None = None,
        *,
        chunk_s: float = CHUNK_S,
        period_s: float = PERIOD_S,
        redraw_s: float = REDRAW_S,
        redraw_slow_s: float = REDRAW_SLOW_S,
        threads: int | None = 1,
        diverged_hint: str = "The weights are unusable; press Train to start over.",
    ) -> None:
        self.status = status
        self.on_metrics, self.on_finish = on_metrics, on_finish
        self.redraw, self.redraw_slow = redraw, redraw_slow
        self.chunk_s, self.redraw_s, self.redraw_slow_s = chunk_s, redraw_s, redraw_slow_s
        self.threads = threads
        self.diverged_hint = diverged_hint
        self.trainer: Any = None
        self.batches_per_chunk = 4
        self.error: BaseException | None = None  # what ended the last run, if anything did
        self._last_redraw = self._last_slow = -math.inf
        self.pacer = Pacer(self.tick, rate_hz=1 / period_s, on_stop=self._finished,
                           on_error=self._failed)
        self.stop_button = labelled_button("Stop", button_style="warning", icon="stop",
                                           disabled=True)
        self.stop_button.on_click(status.guard(lambda _b: self.stop()))
        self.progress = widgets.FloatProgress(value=0.0, min=0.0, max=1.0,
                                              layout=widgets.Layout(width="160px"))
        self.progress.add_class("explorer-live-progress")

    @property
    def running(self) -> bool:
        return self.pacer.running

    def attach(self, trainer: Any) -> None:
        """Make ``trainer`` the one to drive (without starting it)."""
        if self.running:
            raise ExplorerError("stop the training first")
        self.trainer = trainer
        self.error = None
        self.batches_per_chunk = 4
        self._last_redraw = self._last_slow = -math.inf
        self._show_progress()

    def start(self, trainer: Any | None = None, message: str = "") -> None:
        """Start driving ``trainer`` (or the attached one); ``message`` goes to the status line."""
        if self.running:
            return
        if trainer is not None:
            self.attach(trainer)
        if self.trainer is None:
            raise ExplorerError("nothing to train")
        if message:
            self.status.show(message)
        self.stop_button.disabled = False
        self.pacer.start()

    def stop(self) -> None:
        """Ask the run to stop; it stops before its next chunk."""
        self.pacer.stop()
        self.stop_button.disabled = True

    def join(self, timeout: float = 10.0) -> None:
        """Wait for a run outside a kernel (a thread) to end: tests and scripts."""
        self.pacer.join(timeout)

    def tick(self) -> bool:
        """One step of the run: either the slow redraw (at most every ``redraw_slow_s``) or a
        chunk of minibatches (and, at most every ``redraw_s``, the light redraw) — never both,
        so that no step keeps the page waiting. Returns False when the run is over."""
        trainer = self.trainer
        if trainer is None or trainer.done:
            return False
        if self.redraw_slow is not None and (
            time.perf_counter() - self._last_slow >= self.redraw_slow_s
        ):
            self.redraw_now(slow=True)
            return True
        n = self._chunk_size()
        started = time.perf_counter()
        with torch_threads(self.threads):
            metrics = trainer.run_batches(n)
        spent = time.perf_counter() - started
        self.batches_per_chunk = int(min(MAX_BATCHES, max(1, round(n * self.chunk_s
                                                                   / max(spent, 1e-3)))))
        if self.on_metrics is not None:
            self.on_metrics(metrics)
        self._show_progress()
        if time.perf_counter() - self._last_redraw >= self.redraw_s:
            self.redraw_now(slow=False)
        return not trainer.done

    def redraw_now(self, slow: bool = True) -> None:
        """The light redraw, and the slow one too if ``slow``, at once."""
        now = time.perf_counter()
        if self.redraw is not None:
            self._last_redraw = now
            self.redraw()
        if slow and self.redraw_slow is not None:
            self._last_slow = now
            self.redraw_slow()

    def _chunk_size(self) -> int:
        n = self.batches_per_chunk
        total, done = (getattr(self.trainer, "total_batches", None),
                       getattr(self.trainer, "batches_done", None))
        if total is not None and done is not None:
            n = min(n, max(1, int(total) - int(done)))
        return n

    def _show_progress(self) -> None:
        fraction = getattr(self.trainer, "fraction_done", None)
        self.progress.value = float(fraction) if fraction is not None else 0.0

    def _finished(self) -> None:
        self.stop_button.disabled = True
        if self.error is not None:
            return  # _failed has said why and called on_finish
        self._show_progress()
        if self.on_finish is not None:
            trainer = self.trainer
            self.on_finish("Finished" if trainer is not None and trainer.done else "Stopped")

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        if isinstance(exc, TrainingDiverged):
            self.status.error(f"{exc}. {self.diverged_hint}")
            ended = "Diverged"
        elif isinstance(exc, ExplorerError):
            self.status.error(str(exc))
            ended = "Failed"
        else:
            self.status.error(f"Training stopped: {type(exc).__name__}: {exc}. Press Train to "
                              "start over.")
            ended = "Failed"
        if self.on_finish is not None:
            self.on_finish(ended)
