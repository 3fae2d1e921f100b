"""A short random-action fuzz of each app in a real browser (benchmarks/bench_fuzz.py runs the
long one): no page error, no traceback, no error line, and the app still answers after."""

from __future__ import annotations

import pytest

from tests.browser.fuzz import fuzz, still_answering

pytestmark = pytest.mark.browser
FUZZ_SECONDS = 15


@pytest.mark.parametrize(
    "app", ["inpainting", "vae_manifold", "saddle_game", "dae_chain", "mode_collapse", "evaluation"]
)
def test_random_student_actions(open_app, voila_server, no_error, app: str) -> None:
    page = open_app(app)
    url = f"{voila_server}voila/render/{app}.ipynb"
    counts = fuzz(page, FUZZ_SECONDS, seed=sum(map(ord, app)), app_url=url)
    page.set_viewport_size({"width": 1400, "height": 1000})
    still_answering(page)
    assert page.console_errors == [], (counts, page.console_errors[:5])
    no_error(page)
