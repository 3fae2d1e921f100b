"""Progress reporting by callbacks, so trainers never import a UI.

:func:`explorer.train.contract.drive` calls ``callback(ProgressEvent(...))`` after each epoch
(or chunk of batches). The CLI passes a tqdm callback, an app a callback that updates a live
plot, a test a list's append. A callback asks the run to stop by returning ``False``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class ProgressEvent:
    """One report from a long-running job."""

    step: int  # steps (epochs, iterations) done so far
    total: int  # steps planned
    metrics: dict[str, float] = field(default_factory=dict)  # e.g. {"loss": 0.12}


ProgressCallback = Callable[[ProgressEvent], "bool | None"]


def report(callback: ProgressCallback | None, event: ProgressEvent) -> bool:
    """Send ``event`` to ``callback``; return ``False`` when the callback asks to stop."""
    if callback is None:
        return True
    return callback(event) is not False


def tqdm_callback(total: int, desc: str) -> tuple[ProgressCallback, Callable[[], None]]:
    """A callback that draws a tqdm bar (for the CLI), and a function that closes it."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="step", dynamic_ncols=True)

    def callback(event: ProgressEvent) -> None:
        bar.n = event.step
        if event.metrics:
            bar.set_postfix({k: f"{v:.4g}" for k, v in event.metrics.items()}, refresh=False)
        bar.refresh()

    return callback, bar.close
