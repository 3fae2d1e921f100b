"""The private plotly attributes the views rely on (all used in explorer/views/plotly_hooks.py).

If this fails after a plotly upgrade, the hook named in the message is gone: adapt
``plotly_hooks`` (and re-measure ``benchmarks/bench_games.py``, whose frame rate depends on
``fast_frame``) before raising the plotly bound in pyproject.toml.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from explorer.views import plotly_hooks


def _figure() -> go.FigureWidget:
    return go.FigureWidget(go.Figure(go.Scatter(x=[0, 1], y=[0, 1])))


def test_the_list_names_every_hook_the_module_uses() -> None:
    assert set(plotly_hooks.PRIVATE_ATTRIBUTES) == {
        "_perform_batch_animate",
        "_in_batch_mode",
        "_last_trace_edit_id",
        "_js2py_traceDeltas",
        "_config",
    }
    assert plotly_hooks.PAINTED_TRAIT in plotly_hooks.PRIVATE_ATTRIBUTES


@pytest.mark.parametrize("name", plotly_hooks.PRIVATE_ATTRIBUTES)
def test_plotly_still_has_the_private_attribute(name: str) -> None:
    fig = _figure()
    assert hasattr(fig, name) or name in fig.trait_names(), f"plotly dropped {name}"


def test_fast_frame_sends_one_light_animate_message() -> None:
    fig = _figure()
    assert callable(fig._perform_batch_animate)
    assert "_js2py_traceDeltas" in fig.trait_names()
    sent = []
    fig.observe(lambda change: sent.append(change["new"]), names="_py2js_animate")
    before = plotly_hooks.last_edit_id(fig)
    with plotly_hooks.fast_frame(fig):
        fig.data[0].x = [0, 2]
    messages = [m for m in sent if m]
    assert len(messages) == 1
    assert messages[0]["animation_opts"]["frame"]["redraw"] is False
    assert plotly_hooks.last_edit_id(fig) > before
    assert not fig._in_batch_mode


def test_painted_edit_id_reads_the_acknowledgement() -> None:
    assert plotly_hooks.painted_edit_id({"new": {"trace_edit_id": 7, "trace_deltas": []}}) == 7
    assert plotly_hooks.painted_edit_id({"new": None}) is None


def test_hide_mode_bar_sets_the_config() -> None:
    fig = _figure()
    plotly_hooks.hide_mode_bar(fig)
    assert fig._config == {"displayModeBar": False, "responsive": True}
