"""explorer.views.live_training: any trainer that follows the contract, driven in chunks, with
progress, throttled redraws, Stop, the divergence message in the status line, scoped threads."""

from __future__ import annotations

import math
import time

import pytest
import torch

from explorer.errors import TrainingDiverged
from explorer.views.live_training import LiveTraining, torch_threads
from explorer.views.status import StatusLine


class FakeTrainer:
    """The trainer contract, duck-typed: run_batches(n) -> metrics, done, optional progress."""

    def __init__(self, total: int = 20, diverge_at: int | None = None, delay: float = 0.0):
        self.total_batches, self.batches_done = total, 0
        self.diverge_at, self.delay = diverge_at, delay
        self.chunks: list[int] = []

    @property
    def done(self) -> bool:
        return self.batches_done >= self.total_batches

    @property
    def fraction_done(self) -> float:
        return self.batches_done / self.total_batches

    def run_batches(self, n: int) -> dict[str, float]:
        self.chunks.append(n)
        for _ in range(n):
            if self.diverge_at is not None and self.batches_done >= self.diverge_at:
                raise TrainingDiverged(f"diverged at minibatch {self.batches_done + 1}: loss NaN")
            self.batches_done += 1
            time.sleep(self.delay)
        return {"loss": 1.0 / self.batches_done}


def drive(live: LiveTraining) -> None:
    live.start()
    live.join(10)
    assert not live.running


def test_runs_to_the_end_in_chunks_with_progress_and_redraws() -> None:
    status = StatusLine()
    seen, redraws, slow, ended = [], [], [], []
    live = LiveTraining(status, on_metrics=seen.append, redraw=lambda: redraws.append(1),
                        redraw_slow=lambda: slow.append(1), on_finish=ended.append,
                        period_s=0.001)
    trainer = FakeTrainer(total=30)
    live.attach(trainer)
    drive(live)
    assert trainer.done and trainer.batches_done == 30  # never past the end
    assert sum(trainer.chunks) == 30 and len(seen) == len(trainer.chunks)
    assert seen[-1]["loss"] == pytest.approx(1 / 30)
    assert ended == ["Finished"] and live.progress.value == 1.0
    assert len(slow) >= 1 and 1 <= len(redraws) <= len(seen) + len(slow)
    assert live.stop_button.disabled


def test_redraws_are_throttled() -> None:
    redraws = []
    live = LiveTraining(StatusLine(), redraw=lambda: redraws.append(time.perf_counter()),
                        period_s=0.001, redraw_s=10.0)
    live.attach(FakeTrainer(total=200))
    drive(live)
    assert len(redraws) == 1  # the first chunk only: the next would be due in 10 s


def test_stop_ends_the_run_between_chunks() -> None:
    ended = []
    live = LiveTraining(StatusLine(), on_finish=ended.append, period_s=0.001)
    trainer = FakeTrainer(total=10_000, delay=0.001)
    live.start(trainer, message="Training.")
    assert live.running and not live.stop_button.disabled and live.status.text == "Training."
    while trainer.batches_done == 0:
        time.sleep(0.01)
    live.stop_button.click()
    live.join(10)
    assert not live.running and ended == ["Stopped"] and not trainer.done
    assert 0 < live.progress.value < 1


def test_divergence_is_said_in_the_status_line() -> None:
    status, ended = StatusLine(), []
    live = LiveTraining(status, on_finish=ended.append, period_s=0.001)
    live.attach(FakeTrainer(total=100, diverge_at=7))
    drive(live)
    assert ended == ["Diverged"] and status.kind == "error"
    assert "diverged at minibatch 8" in status.text and "press Train to start over" in status.text
    assert isinstance(live.error, TrainingDiverged)


def test_a_bug_is_a_friendly_line() -> None:
    class Broken(FakeTrainer):
        def run_batches(self, n: int) -> dict[str, float]:
            raise RuntimeError("boom")

    status, ended = StatusLine(), []
    live = LiveTraining(status, on_finish=ended.append, period_s=0.001)
    live.attach(Broken())
    drive(live)
    assert ended == ["Failed"] and "RuntimeError: boom" in status.text


def test_chunks_grow_to_fill_the_time_budget() -> None:
    live = LiveTraining(StatusLine(), period_s=0.001, chunk_s=0.02)
    trainer = FakeTrainer(total=400, delay=0.0005)
    live.attach(trainer)
    drive(live)
    assert max(trainer.chunks) > 4  # started at 4, sized to ~20 ms of work
    assert max(trainer.chunks) <= 40


def test_threads_are_restored() -> None:
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    seen = []

    class Watching(FakeTrainer):
        def run_batches(self, n: int) -> dict[str, float]:
            seen.append(torch.get_num_threads())
            return super().run_batches(n)

    live = LiveTraining(StatusLine(), period_s=0.001, threads=1)
    live.attach(Watching(total=5))
    drive(live)
    assert set(seen) == {1} and torch.get_num_threads() == before


def test_the_vae_trainer_follows_the_contract() -> None:
    """VAETrainer: run_batches -> metrics, done, fraction_done, progress callback, and
    TrainingDiverged on a NaN — what LiveTraining relies on."""
    from explorer.models.vae import VAE, VAEConfig, VAETrainConfig, VAETrainer

    calls = []
    model = VAE(VAEConfig(n_visible=16, hidden1=8, hidden2=0))
    gen = torch.Generator().manual_seed(0)
    data = (torch.rand(50, 16, generator=gen) > 0.5).float()
    trainer = VAETrainer(model, data, VAETrainConfig(epochs=2, batch_size=10), generator=gen,
                         progress=calls.append)
    assert trainer.generator is gen and trainer.total_batches == 10
    status, ended = StatusLine(), []
    live = LiveTraining(status, on_finish=ended.append, period_s=0.001)
    live.attach(trainer)
    drive(live)
    assert trainer.done and ended == ["Finished"] and trainer.fraction_done == 1.0
    assert calls and set(calls[-1]) == {"reconstruction", "kl", "elbo"}
    assert all(math.isfinite(v) for v in calls[-1].values())
    with torch.no_grad():
        model.encoder[0].weight.fill_(float("nan"))
    again = VAETrainer(model, data, VAETrainConfig(epochs=2, batch_size=10))
    live.attach(again)
    drive(live)
    assert ended[-1] == "Diverged" and "NaN or infinite" in status.text
