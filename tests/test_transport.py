"""The shared transport bar: the speed slider is read live, and the rate it reports counts only
the steps really made (ticks skipped for a slow browser do not count)."""

from __future__ import annotations

import time

from explorer.views.status import StatusLine
from explorer.views.transport import TransportBar


def make_bar(frames_behind=None) -> tuple[TransportBar, list[float]]:
    steps: list[float] = []
    bar = TransportBar(StatusLine(), on_step=lambda: steps.append(time.perf_counter()),
                       on_reset=steps.clear, speed=(1, 50, 40), frames_behind=frames_behind)
    return bar, steps


def test_speed_slider_is_read_live() -> None:
    bar, steps = make_bar()
    bar.run()
    time.sleep(1.0)
    fast = len(steps)
    bar.speed.value = 4
    time.sleep(0.3)
    n1 = len(steps)
    time.sleep(1.5)
    slow = (len(steps) - n1) / 1.5
    bar.pause()
    bar.pacer.join()
    assert fast >= 15, fast  # 40/s asked
    assert slow <= 6, slow  # 4/s asked
    assert "Paused" in bar.status.text


def test_achieved_rate_counts_only_real_steps() -> None:
    behind = {"n": 0}
    bar, steps = make_bar(frames_behind=lambda: behind["n"])
    bar.speed.value = 40
    bar.run()
    time.sleep(0.8)
    real = bar.achieved_hz
    behind["n"] = 5  # the browser lags: every tick is skipped from now on
    n_before = len(steps)
    time.sleep(0.5)
    assert len(steps) == n_before and bar.skipped_ticks > 5
    assert bar.pacer.achieved_hz > 10  # the pacer's ticks go on...
    assert bar.achieved_hz == real  # ...but no new real step is counted
    bar.pause()
    bar.pacer.join()
    assert real > 10
