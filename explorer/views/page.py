"""Page kit for every app: the "← All apps" link, deep links, "Copy link".

One line in an app's constructor, after its children are set::

    add_page_bar(self, link.apply_link, link.link_state)   # or: return add_page_bar(App(), ...)

``apply_link(app, params: dict[str, str]) -> list[str]`` applies the URL query's values and
returns the problems (a friendly line each; the app keeps its defaults for those);
``link_state(app) -> dict`` gives the current state as query values. Both are optional:
``add_page_bar(self)`` adds only the back link. The bar is ``app.page_bar`` and stays the first
child even when the app re-lays itself out. The query comes from the browser
(``location.search``), so deep links work the same in standalone Voilà, with preheated
kernels, and inside Jupyter server / JupyterHub.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import anywidget
import ipywidgets as widgets
import traitlets

from explorer.views.status import StatusLine
from explorer.views.wire import esm

MAX_QUERY = 2000  # characters; a longer query is not a link a class shares


class PageBar(anywidget.AnyWidget):
    """Back link + copy-link control; ``query`` arrives from the page once it is rendered."""

    _esm = traitlets.Unicode(esm("page_bar.js")).tag(sync=True)
    index_href = traitlets.Unicode("index.ipynb").tag(sync=True)
    with_link = traitlets.Bool(False).tag(sync=True)
    query = traitlets.Unicode("", help="the page's query string, set by the browser").tag(sync=True)
    # Not synced: the page gets each answer as a message (see add_page_bar), not twice.
    link = traitlets.Unicode("", help="the state as a query string, written on Copy link")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.add_class("explorer-page-bar-widget")


def parse_query(query: str) -> dict[str, str]:
    """``a=1&b=x`` -> ``{"a": "1", "b": "x"}`` (last value wins; ``token`` is dropped)."""
    pairs = parse_qsl(query[:MAX_QUERY], keep_blank_values=True)
    return {key: value for key, value in pairs if key != "token"}


B = TypeVar("B", bound=widgets.Box)


def add_page_bar(
    app: B,
    read_link: Callable[[Any, dict[str, str]], list[str]] | None = None,
    write_link: Callable[[Any], dict[str, object]] | None = None,
    status: StatusLine | None = None,
) -> B:
    """Put a :class:`PageBar` first in ``app.children``, wire the deep link; return ``app``."""
    bar = PageBar(with_link=write_link is not None)
    status = status if status is not None else getattr(app, "status", None)
    applied = {"done": False}

    def on_query(change: dict) -> None:
        if applied["done"] or read_link is None:
            return
        applied["done"] = True
        params = parse_query(change["new"])
        if not params:
            return
        problems = read_link(app, params)
        if problems and status is not None:
            status.show("This link had values the app cannot use, so it kept its defaults for "
                        "them: " + "; ".join(problems) + ".", "info")

    def on_message(_widget: object, content: dict, _buffers: object) -> None:
        if isinstance(content, dict) and content.get("kind") == "copy" and write_link:
            values = {k: v for k, v in write_link(app).items() if v is not None}
            bar.link = urlencode(values, safe=",")
            # A trait change is sent only when the value changes: a second click on an
            # unchanged app would get no answer, so the answer also goes as a message.
            bar.send({"kind": "link", "link": bar.link})

    guard = status.guard if status is not None else (lambda fn: fn)
    bar.observe(guard(on_query), names="query")
    bar.on_msg(guard(on_message))
    def keep_first(change: dict) -> None:
        children = tuple(change["new"])
        if not children or children[0] is not bar:
            app.children = (bar, *(c for c in children if c is not bar))

    app.children = (bar, *app.children)
    app.observe(keep_first, names="children")
    app.page_bar = bar  # type: ignore[attr-defined]
    return app


def widget_link(
    fields: dict[str, Callable[[Any], widgets.ValueWidget]],
) -> tuple[Callable[[Any, dict[str, str]], list[str]], Callable[[Any], dict[str, object]]]:
    """``(apply_link, link_state)`` for an app whose link is a few widgets' values.

    ``fields`` maps a query key to a function giving the widget from the app. A value is applied
    when it names one of a selection widget's options (by value or label) or, for a numeric
    widget, lies within its bounds; anything else becomes a problem line, the widget unchanged.
    """

    def parse(widget: widgets.ValueWidget, raw: str) -> tuple[bool, object]:
        options = getattr(widget, "options", None)
        if options is not None:
            pairs = [(o[0], o[1]) if isinstance(o, tuple) else (str(o), o) for o in options]
            for label, value in pairs:
                if raw in (str(label), str(value)):
                    return True, value
            return False, ", ".join(str(label) for label, _ in pairs)
        try:
            value = type(widget.value)(float(raw)) if not isinstance(widget.value, bool) else None
        except (TypeError, ValueError):
            value = None
        lo, hi = getattr(widget, "min", None), getattr(widget, "max", None)
        if value is None or value != value or (lo is not None and not lo <= value <= hi):
            return False, f"a number from {lo} to {hi}" if lo is not None else "a number"
        return True, value

    def apply_link(app: Any, params: dict[str, str]) -> list[str]:
        problems = [f"unknown setting {key!r}" for key in sorted(set(params) - set(fields))]
        for key, get in fields.items():
            if key in params:
                widget = get(app)
                ok, value = parse(widget, params[key])
                if ok:
                    widget.value = value
                else:
                    problems.append(f"{key} {params[key]!r} is not one of: {value}"
                                    if getattr(widget, "options", None) is not None
                                    else f"{key} {params[key]!r} is not {value}")
        return problems

    def link_state(app: Any) -> dict[str, object]:
        return {key: get(app).value for key, get in fields.items()}

    return apply_link, link_state
