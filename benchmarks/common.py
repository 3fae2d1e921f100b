"""Shared helpers for the benchmarks: a real ``explorer serve`` and headless Chromium."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    free_port,
    start_server,
    stop_server,
    wait_for_http,
)

__all__ = ["median_ms", "served_page", "timed"]


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


@contextmanager
def served_page(
    app: str, ready_selector: str, timeout_ms: int = 180_000
) -> Iterator[tuple[object, float]]:
    """Start a real ``explorer serve`` on a free port, open ``apps/<app>.ipynb`` in headless
    Chromium and wait for ``ready_selector``. Yields ``(page, seconds from starting the server
    to the selector visible)``, i.e. the cold-start time; stops both afterwards."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    started = time.perf_counter()
    server = start_server(port, Path(tempfile.mkdtemp()) / "serve.log")
    try:
        base = f"http://127.0.0.1:{port}/"
        wait_for_http(base, server)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(f"{base}voila/render/{app}.ipynb", timeout=timeout_ms)
                page.wait_for_selector(ready_selector, timeout=timeout_ms)
                yield page, time.perf_counter() - started
            finally:
                browser.close()
    finally:
        stop_server(server)
