"""What every app shares: a status line for friendly messages, guarded callbacks, a paced loop.

An exception inside a widget callback is invisible in Voilà (it reaches neither the page nor the
log), so every callback goes through :meth:`StatusLine.guard`: the student sees one friendly
line, the full traceback goes to the server log.
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets
import numpy as np

from explorer.errors import ExplorerError

log = logging.getLogger("explorer.views")

F = TypeVar("F", bound=Callable[..., Any])

_STYLE = {
    "info": "color:#1f3b57;background:#eef4fb;border-left:4px solid #4a90d9",
    "ok": "color:#1d4d2b;background:#edf7ef;border-left:4px solid #3c9a5f",
    "error": "color:#6b1a1a;background:#fdeeee;border-left:4px solid #d64545",
}


class StatusLine(widgets.HTML):
    """One line under an app for what just happened, or what went wrong and what to do."""

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-status")
        self.kind = "info"
        self.text = ""
        self.show(text)

    def show(self, text: str, kind: str = "info") -> None:
        """Show ``text`` (plain text, escaped) styled as ``info``, ``ok`` or ``error``."""
        self.kind, self.text = kind, text
        if not text:
            self.value = ""
            return
        self.value = (
            f'<div class="explorer-status-{kind}" style="{_STYLE[kind]};padding:4px 10px;'
            f'font-size:13px;border-radius:3px">{html.escape(text)}</div>'
        )

    def error(self, text: str) -> None:
        self.show(text, "error")

    def guard(self, fn: F) -> F:
        """Wrap a callback: a user error shows its message, a bug a friendly line and a log entry.

        The kernel never dies and the student never sees a traceback.
        """

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except ExplorerError as exc:
                self.error(str(exc))
            except Exception as exc:  # noqa: BLE001 - shown to the student, logged in full
                log.exception("error in callback %s", getattr(fn, "__name__", fn))
                self.error(
                    f"Something went wrong ({type(exc).__name__}: {exc}). "
                    "The app is still running: try again, or reload the page to start afresh."
                )
            return None

        return wrapper  # type: ignore[return-value]


class Pacer:
    """Calls ``step()`` repeatedly at most ``rate_hz`` times a second until stopped.

    Inside a kernel it runs as an asyncio task on the kernel's own loop, so widget messages
    (a Pause click) are handled between steps and no widget is touched from two threads.
    Outside a running loop (a plain script, a test) it runs in a background thread.
    ``step`` returns ``False`` to stop by itself; an exception stops the loop and goes to
    ``on_error``.
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
        self.steps_done = 0
        self.mode = ""  # "asyncio" in a kernel, "thread" elsewhere

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        if self._running:
            return
        self._running = True
        loop = _kernel_loop()
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
        try:
            keep_going = self.step() is not False
        except BaseException as exc:  # noqa: BLE001
            log.exception("error in paced loop")
            if self.on_error is not None:
                self.on_error(exc)
            return False
        self.steps_done += 1
        return keep_going

    def _finish(self) -> None:
        self._running = False
        if self.on_stop is not None:
            try:
                self.on_stop()
            except Exception:  # noqa: BLE001
                log.exception("error in on_stop")

    async def _run_async(self) -> None:
        period = 1.0 / self.rate_hz
        try:
            while self._running:
                t0 = time.perf_counter()
                if not self._one():
                    break
                await asyncio.sleep(max(0.0, period - (time.perf_counter() - t0)))
        finally:
            self._finish()

    def _run_thread(self) -> None:
        period = 1.0 / self.rate_hz
        try:
            while self._running:
                t0 = time.perf_counter()
                if not self._one():
                    break
                time.sleep(max(0.0, period - (time.perf_counter() - t0)))
        finally:
            self._finish()


def load_test_digits(status: StatusLine) -> tuple[np.ndarray, np.ndarray]:
    """The binarized test split ``(images (N, 784), labels (N,))`` for an app.

    If it cannot be read, ``status`` says why and one blank digit stands in, so the app still
    opens instead of dying.
    """
    from explorer.data import load_mnist

    try:
        return load_mnist("test", binarize=True)
    except ExplorerError as exc:
        status.error(f"Could not load the test digits: {exc}")
        return np.zeros((1, 784), np.float32), np.zeros(1, np.int64)


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
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


def explainer(markdown_html: str) -> widgets.HTML:
    """A 'what you are seeing' panel (HTML; equations in plain Unicode so no CDN is needed)."""
    box = widgets.HTML(
        f'<div style="font-size:14px;line-height:1.45;max-width:980px">{markdown_html}</div>'
    )
    box.add_class("explorer-explainer")
    return box


def labelled_button(description: str, **kwargs: Any) -> widgets.Button:
    """A button whose visible label is its description, with a stable CSS class for tests."""
    button = widgets.Button(description=description, **kwargs)
    slug = "".join(c if c.isalnum() else "-" for c in description.lower()).strip("-")
    button.add_class(f"explorer-btn-{slug}")
    return button
