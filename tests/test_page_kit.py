"""The page kit (back link, deep links, copy link) and each app's link parsing, headless."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

from explorer.views.page import PageBar, add_page_bar, parse_query
from explorer.views.status import StatusLine
from explorer.views.vae.link import parse_z


def test_parse_query_drops_the_token_and_keeps_the_last_value() -> None:
    assert parse_query("a=1&b=x&a=2&token=secret") == {"a": "2", "b": "x"}
    assert parse_query("") == {}


def test_page_bar_is_first_and_stays_first_after_a_relayout() -> None:
    app = widgets.VBox([widgets.HTML("x")])
    assert add_page_bar(app) is app
    assert isinstance(app.children[0], PageBar) and app.children[0] is app.page_bar
    assert not app.page_bar.with_link and app.page_bar.index_href == "index.ipynb"
    app.children = [widgets.HTML("new layout")]
    assert app.children[0] is app.page_bar and len(app.children) == 2


def test_link_read_once_problems_shown_and_copy_writes_state() -> None:
    status = StatusLine()
    app = widgets.VBox([status])
    app.status = status
    seen = []

    def apply(target, params):
        seen.append((target, params))
        return ["lr 'x' is not a number"] if params.get("lr") == "x" else []

    add_page_bar(app, apply, lambda _app: {"methods": "simgd,altgd", "lr": 0.3, "none": None})
    bar = app.page_bar
    bar.query = "lr=x&token=t"
    assert seen == [(app, {"lr": "x"})]
    assert "lr 'x' is not a number" in status.text and status.kind == "info"
    bar.query = "lr=1"  # the query is read once, when the page renders
    assert len(seen) == 1
    sent = []
    bar.send = sent.append  # what goes to the page
    bar._handle_custom_msg({"kind": "copy"}, [])
    assert bar.link == "methods=simgd,altgd&lr=0.3"
    # A second click on an unchanged app is answered too (a trait that keeps its value is not
    # sent again: the fuzz test once waited 30 s for that answer).
    bar._handle_custom_msg({"kind": "copy"}, [])
    assert sent == [{"kind": "link", "link": "methods=simgd,altgd&lr=0.3"}] * 2


def test_parse_z() -> None:
    assert np.allclose(parse_z("0.5,-1"), [0.5, -1.0])
    for bad in ("0.5", "a,b", "nan,0", "9,0", "1,2,3", ""):
        assert parse_z(bad) is None


@pytest.fixture(scope="module")
def saddle():
    from explorer.views.saddle import build_saddle_app

    return build_saddle_app()


def test_saddle_link_round_trip(saddle) -> None:
    from explorer.views.saddle.link import apply_link, link_state

    assert apply_link(saddle, {"methods": "simgd,extragradient", "lr": "0.3"}) == []
    assert saddle.selected == ["simgd", "extragradient"]
    assert link_state(saddle) == {"methods": "simgd,extragradient", "lr": "0.3"}
    problems = apply_link(saddle, {"methods": "sgd", "lr": "99", "zoom": "2"})
    assert len(problems) == 3 and saddle.selected == ["simgd", "extragradient"]
    assert saddle.lr_slider.value == pytest.approx(0.3)


def test_inpainting_link_round_trip() -> None:
    from explorer.views.inpainting import build_inpainting_app
    from explorer.views.inpainting.link import apply_link, link_state

    app = build_inpainting_app()
    assert app.children[0] is app.page_bar
    assert apply_link(app, {"digit": "13", "mask": "top-half"}) == []
    assert app.digit_input.digit_index == 13
    state = link_state(app)
    assert state["digit"] == 13 and state["mask"] == "top-half" and state["model"] == "rbm-mnist"
    problems = apply_link(app, {"digit": "-4", "mask": "diagonal", "model": "gpt"})
    assert len(problems) == 3 and app.digit_input.digit_index == 13
