"""Deep links of the apps added after the classroom work: a few widgets' values in the query
(``explorer.views.page.widget_link``); bad values give a problem line and change nothing."""

from __future__ import annotations

import pytest

from explorer.views.dae_chain.app import LINK as DAE_LINK
from explorer.views.dae_chain.app import DAEChainApp
from explorer.views.mode_collapse.app import LINK as GAN_LINK
from explorer.views.mode_collapse.app import ModeCollapseApp


@pytest.fixture(scope="module")
def dae_app() -> DAEChainApp:
    return DAEChainApp()


@pytest.fixture(scope="module")
def gan_app() -> ModeCollapseApp:
    return ModeCollapseApp()


def test_dae_link_applies_good_values_and_reports_bad_ones(dae_app: DAEChainApp) -> None:
    apply_link, link_state = DAE_LINK
    tab = dae_app.toy_tab
    other_toy = [t for t in tab.toy_choice.options if t != tab.toy_choice.value][0]
    assert apply_link(dae_app, {"toy": str(other_toy), "chains": "500"}) == []
    assert tab.toy_choice.value == other_toy and tab.n_chains.value == 500
    before = link_state(dae_app)
    problems = apply_link(dae_app, {"toy": "no-such-toy", "chains": "99999", "colour": "red"})
    assert len(problems) == 3 and any("colour" in p for p in problems)
    assert link_state(dae_app) == before  # nothing changed
    # what Copy link writes reads back to the same state
    assert apply_link(dae_app, {k: str(v) for k, v in before.items()}) == []
    assert link_state(dae_app) == before


def test_mode_collapse_link(gan_app: ModeCollapseApp) -> None:
    apply_link, link_state = GAN_LINK
    assert apply_link(gan_app, {"toy": "grid-25", "objective": "pacgan", "seed": "3"}) == []
    state = link_state(gan_app)
    assert (state["toy"], state["objective"], state["seed"]) == ("grid-25", "pacgan", 3)
    problems = apply_link(gan_app, {"objective": "best", "seed": "-4"})
    assert len(problems) == 2 and link_state(gan_app) == state


def test_every_new_app_has_the_back_link(dae_app: DAEChainApp, gan_app: ModeCollapseApp) -> None:
    for app in (dae_app, gan_app):
        assert app.children[0] is app.page_bar and app.page_bar.with_link


def test_evaluation_link_redraws_that_seed() -> None:
    from explorer.views.evaluation.app import apply_link, build_evaluation_app, link_state

    app = build_evaluation_app()
    first = {name: strip.array.copy() for name, strip in app.strips.items()}
    assert apply_link(app, {"seed": "3"}) == [] and link_state(app) == {"seed": 3}
    assert any((app.strips[n].array != first[n]).any() for n in first)
    assert apply_link(app, {"seed": "-1", "x": "1"}) and link_state(app) == {"seed": 3}
    assert app.children[0] is app.page_bar and app.page_bar.with_link
