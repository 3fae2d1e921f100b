"""The status line every app shows, and the guard every widget callback goes through.

An exception inside a widget callback is invisible in Voilà (it reaches neither the page nor the
log), so every callback goes through :meth:`StatusLine.guard`: the student sees one friendly
line, the full traceback goes to the server log.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as widgets

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
