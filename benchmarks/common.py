"""Shared helpers for the benchmarks: a real ``explorer serve`` and headless Chromium."""

from __future__ import annotations

import statistics
import sys
import time
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

__all__ = ["CHROMIUM", "CHROMIUM_FLAGS", "free_port", "start_server", "stop_server",
           "wait_for_http", "median_ms", "timed"]


def median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def timed(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out
