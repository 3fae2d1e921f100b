"""A paced loop for every app: ``step()`` at most ``rate_hz`` times a second until stopped.

Inside a kernel it runs as an asyncio task on the kernel's own loop, so widget messages (a Pause
click, a speed slider) are handled between steps and no widget is touched from two threads.
Outside a running loop (a plain script, a test) it runs in a background thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("explorer.views")


class RateMeter:
    """Events per second over the last ``window`` events (0 before two): ``mark()`` each one."""

    def __init__(self, window: int = 32) -> None:
        self._times: deque[float] = deque(maxlen=window)

    def mark(self) -> None:
        self._times.append(time.perf_counter())

    def clear(self) -> None:
        self._times.clear()

    @property
    def hz(self) -> float:
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0


class Pacer:
    """Calls ``step()`` repeatedly, at most ``rate_hz`` times a second, until stopped.

    ``rate_hz`` is read before every step, so a speed slider moved during a run takes effect at
    the next step. ``step`` returns ``False`` to stop by itself; an exception stops the loop and
    goes to ``on_error``. When a step takes longer than the period the loop does not try to
    catch up (no burst of late steps): :attr:`achieved_hz` says what it really delivers.
    """

    def __init__(
        self,
        step: Callable[[], bool | None],
        rate_hz: float = 25.0,
        on_stop: Callable[[], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.step = step
        self.rate_hz = rate_hz
        self.on_stop = on_stop
        self.on_error = on_error
        self._running = False
        self._task: asyncio.Task | None = None
        self._thread: threading.Thread | None = None
        self._rate = RateMeter()  # over the starts of the last steps
        self.mode = ""  # "asyncio" in a kernel, "thread" elsewhere

    @property
    def running(self) -> bool:
        return self._running

    @property
    def achieved_hz(self) -> float:
        """Steps per second over the last (up to 32) steps of this run; 0 before two steps."""
        return self._rate.hz

    def period(self) -> float:
        """Seconds between step starts at the current ``rate_hz`` (read live)."""
        return 1.0 / max(1e-3, float(self.rate_hz))

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        self._rate.clear()
        loop = kernel_loop()
        if loop is not None:
            self.mode = "asyncio"
            self._task = loop.create_task(self._run_async())
        else:
            self.mode = "thread"
            self._thread = threading.Thread(target=self._run_thread, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ask the loop to stop; it stops before its next step (at once, between steps)."""
        self._running = False

    def join(self, timeout: float = 5.0) -> None:
        """Wait for a thread-run loop to end (tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _one(self) -> bool:
        self._rate.mark()
        try:
            keep_going = self.step() is not False
        except BaseException as exc:  # noqa: BLE001
            log.exception("error in paced loop")
            if self.on_error is not None:
                self.on_error(exc)
            return False
        return keep_going

    def _finish(self) -> None:
        self._running = False
        if self.on_stop is not None:
            try:
                self.on_stop()
            except Exception:  # noqa: BLE001
                log.exception("error in on_stop")

    def _wait(self, t0: float) -> float:
        return max(0.0, self.period() - (time.perf_counter() - t0))

    async def _run_async(self) -> None:
        try:
            while self._running:
                t0 = time.perf_counter()
                if not self._one():
                    break
                await asyncio.sleep(self._wait(t0))
        finally:
            self._finish()

    def _run_thread(self) -> None:
        try:
            while self._running:
                t0 = time.perf_counter()
                if not self._one():
                    break
                time.sleep(self._wait(t0))
        finally:
            self._finish()


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop, if we run inside an IPython kernel's cell or widget callback.

    Outside a kernel a running loop may belong to someone else: Playwright's sync API, for
    one, leaves its own loop set as running in the main thread, and a task put on it there
    would never run. So only a kernel's loop is used; anything else gets a thread.
    """
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
