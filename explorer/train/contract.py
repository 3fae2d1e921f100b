"""The one trainer contract, and :func:`drive` / :func:`advance`, which run any trainer.

Every family's trainer (``RBMTrainer``, ``ClassifierTrainer``, ``VAETrainer``, ...) lives beside
its model and satisfies :class:`Trainer` structurally (no base class to inherit):

- ``step() -> dict[str, float]``: one unit of training (an epoch for the shipped trainers);
  returns that unit's metrics, e.g. ``{"loss": 0.12}``.
- ``done: bool``: the trainer's own schedule (its config's epochs) is finished.
- ``epoch: int``: full epochs done so far (what a progress bar shows).
- NaN or ±inf anywhere raises :class:`~explorer.errors.TrainingDiverged`, whose message names
  the step and the metric (``explorer.models.base.ensure_finite``).

A :class:`ChunkedTrainer` also offers ``run_batches(n) -> dict[str, float]`` (n minibatches,
continuing the epoch), so an app can train on the event loop in small chunks and redraw between
them. The CLI calls ``drive(trainer, epochs, callback)`` with a tqdm callback
(:func:`explorer.progress.tqdm_callback`); an app calls :func:`advance` once per tick, or
``drive(trainer, 1, callback, batches=n)``. Both check every returned metric for NaN/inf, so a
trainer that forgets to is still caught.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from explorer.errors import ConfigError
from explorer.models.base import ensure_finite
from explorer.progress import ProgressCallback, ProgressEvent, report


@runtime_checkable
class Trainer(Protocol):
    """What every trainer offers (see the module docstring)."""

    epoch: int

    @property
    def done(self) -> bool: ...

    def step(self) -> dict[str, float]: ...


@runtime_checkable
class ChunkedTrainer(Trainer, Protocol):
    """A trainer that can also stop inside an epoch: ``run_batches(n)`` minibatches at a time."""

    def run_batches(self, n: int) -> dict[str, float]: ...


@dataclass
class DriveResult:
    """What :func:`drive` did: each call's metrics, the wall-clock seconds, and whether the
    progress callback asked to stop before the planned number of calls."""

    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False


def _family(trainer: Trainer) -> str:
    return type(trainer).__name__.removesuffix("Trainer") or type(trainer).__name__


def advance(trainer: Trainer, batches: int | None = None) -> dict[str, float]:
    """One unit of work: ``trainer.step()``, or ``trainer.run_batches(batches)`` when given.

    Returns the metrics after checking each for NaN/inf (:class:`TrainingDiverged` otherwise).
    """
    if batches is None:
        metrics = trainer.step()
        where = f"epoch {trainer.epoch}"
    else:
        if not isinstance(trainer, ChunkedTrainer):
            raise ConfigError(f"{type(trainer).__name__} trains whole epochs only (no run_batches)")
        if batches < 1:
            raise ConfigError(f"batches must be ≥ 1, got {batches}")
        metrics = trainer.run_batches(batches)
        where = f"epoch {trainer.epoch} (after a chunk of {batches} batches)"
    ensure_finite(metrics, _family(trainer), where)
    return metrics


def drive(
    trainer: Trainer,
    calls: int | None = None,
    callback: ProgressCallback | None = None,
    *,
    batches: int | None = None,
) -> DriveResult:
    """Call :func:`advance` ``calls`` times (default: until ``trainer.done``), reporting a
    :class:`~explorer.progress.ProgressEvent` after each; a callback returning ``False`` stops
    the run early (``stopped`` in the result). ``batches``: chunks of that many minibatches
    instead of whole epochs (a :class:`ChunkedTrainer` only)."""
    if calls is not None and calls < 0:
        raise ConfigError(f"calls must be ≥ 0, got {calls}")
    result = DriveResult()
    started = time.perf_counter()
    done_calls = 0
    while (calls is None and not trainer.done) or (calls is not None and done_calls < calls):
        metrics = advance(trainer, batches)
        done_calls += 1
        result.history.append(metrics)
        total = calls if calls is not None else done_calls + (0 if trainer.done else 1)
        if not report(callback, ProgressEvent(done_calls, total, metrics)):
            result.stopped = done_calls != calls and not (calls is None and trainer.done)
            break
    result.seconds = time.perf_counter() - started
    return result
