"""The mode-collapse app driven headless: steps of one player, objectives, Compare, Play/Pause,
snapshots, the plane's arrays, and every claim of its text against the computation it shows."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch

from explorer.data.toys import ring8
from explorer.metrics.modes import mode_coverage
from explorer.models.gan_losses import minimax_g_loss, non_saturating_g_loss
from explorer.train.gan_recipe import GAN_RUNS, STRONG_D
from explorer.views.mode_collapse import ModeCollapseApp, build_mode_collapse_app, panels, text
from explorer.views.mode_collapse.app import SNAPSHOTS
from explorer.views.mode_collapse.plane import HEAT_SIDE, N_ARROWS, N_POINTS, WARP_N, heat_levels


@pytest.fixture
def app() -> ModeCollapseApp:
    app = build_mode_collapse_app()
    app.batch_menu.value = 32  # small and quick; the knobs are what is under test
    return app


def test_step_d_g_and_both_update_the_right_players(app: ModeCollapseApp) -> None:
    trainer = app.trainers[0]
    g_before = [p.detach().clone() for p in trainer.model.generator.parameters()]
    app.step("D")
    assert (trainer.d_updates, trainer.g_updates, trainer.iteration) == (1, 0, 0)
    assert all(torch.equal(a, b) for a, b in
               zip(g_before, trainer.model.generator.parameters(), strict=True))
    d_before = [p.detach().clone() for p in trainer.model.discriminator.parameters()]
    app.step("G")
    assert (trainer.d_updates, trainer.g_updates) == (1, 1)
    assert all(torch.equal(a, b) for a, b in
               zip(d_before, trainer.model.discriminator.parameters(), strict=True))
    app.step("both")  # d_steps D updates and one G update
    assert (trainer.d_updates, trainer.g_updates, trainer.iteration) == (
        1 + app.d_steps_slider.value, 2, 1)
    assert "Stepped both" in app.status.value


def test_the_plane_gets_the_arrays_it_promises(app: ModeCollapseApp) -> None:
    plane = app.planes[0]
    version = plane.version
    app.step("both")
    assert plane.version == version + 1
    assert (plane.heat_h, plane.heat_w) == (HEAT_SIDE, HEAT_SIDE) and len(plane.heat) == 48 * 48
    assert len(plane.fake) == len(plane.real) == N_POINTS * 2 * 4  # float32 (x, y) pairs
    assert len(plane.arrows) == N_ARROWS * 4 * 4
    assert plane.warp_n == WARP_N and len(plane.warp) == WARP_N * WARP_N * 2 * 4
    fake = np.frombuffer(plane.fake, dtype=np.float32).reshape(-1, 2)
    assert np.isfinite(fake).all() and fake.std() > 0
    # the heatmap is D(x) = σ(logit) of the trainer's own grid, as the text says
    trainer = app.trainers[0]
    xs = torch.linspace(app.extent[0], app.extent[1], HEAT_SIDE)
    logits = trainer.model.discriminator(
        torch.stack(torch.meshgrid(xs, xs, indexing="xy"), -1).reshape(-1, 2)).reshape(48, 48)
    expected = heat_levels(torch.sigmoid(logits.detach()), critic=False)
    assert np.abs(np.frombuffer(plane.heat, np.uint8).reshape(48, 48).astype(int)
                  - expected.astype(int)).max() <= 1


def test_switching_objective_rebuilds_and_pacgan_packs(app: ModeCollapseApp) -> None:
    app.step("both")
    app.objective_menu.value = "pacgan"
    trainer = app.trainers[0]
    assert trainer.config.objective == "pacgan" and trainer.model.config.pack == 4
    assert trainer.iteration == 0 and app.loss_history == []
    app.objective_menu.value = "wgan-gp"
    app.step("both")
    heat = np.frombuffer(app.planes[0].heat, np.uint8)
    assert heat.min() == 0 and heat.max() == 255  # a critic's scores are scaled over the grid


def test_compare_trains_two_objectives_together_from_one_seed(app: ModeCollapseApp) -> None:
    app.compare_box.value = True
    left, right = app.trainers
    assert (left.config.objective, right.config.objective) == ("non-saturating", "pacgan")
    assert len(app.plane_box.children) == 2
    # the same seed: the generators start from the same weights (PacGAN's D differs in size)
    assert all(torch.equal(a, b) for a, b in zip(
        left.model.generator.state_dict().values(), right.model.generator.state_dict().values(),
        strict=True))
    app.live.batches_per_chunk = 3
    for _ in range(2):
        app.live.tick()
    assert left.iteration == right.iteration > 0
    assert app.planes[1].version > 0


def test_play_runs_to_the_end_and_pause_answers_quickly(app: ModeCollapseApp) -> None:
    app.iterations_box.value = 200
    app.play()
    app.live.join(60)
    trainer = app.trainers[0]
    assert trainer.done and trainer.iteration == 200
    assert [it for it, _ in trainer.monitor_history] == [100, 200]
    assert "Finished" in app.status.value and "modes captured" in app.status.value
    assert "<polyline" in app.coverage_html.value and "<polyline" in app.loss_html.value
    app.iterations_box.value = 100_000
    app.play()
    time.sleep(0.3)
    started = time.perf_counter()
    app.pause()
    app.live.join(5)
    assert not app.live.running and "Paused" in app.status.value
    # one chunk (~30 ms) and one redraw (~15 ms) at most stand between a click and the stop;
    # 0.5 s leaves room for a loaded test machine
    assert time.perf_counter() - started < 0.5
    assert app.play_button.disabled is False and app.pause_button.disabled is True


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_a_shipped_snapshot_loads_with_its_card_numbers(app: ModeCollapseApp, name: str) -> None:
    app.load_snapshot(name)
    trainer = app.trainers[0]
    card = trainer.model.card
    run = GAN_RUNS[name]
    assert app.toy_menu.value == run.toy and trainer.config.objective == run.train["objective"]
    coverage = mode_coverage(trainer.model.sample(2500, torch.Generator().manual_seed(
        card["training"]["seed"])), app.toy.modes, app.toy.mode_std)
    assert coverage.modes_captured == card["metrics"]["modes_captured"]
    assert coverage.hq_fraction == pytest.approx(card["metrics"]["hq_fraction"], abs=1e-4)
    assert f"{coverage.modes_captured} / {coverage.n_modes} modes" in app.status.value
    if run.verdict == "collapsed":
        assert coverage.modes_captured <= coverage.n_modes // 2 + 1
    else:
        assert coverage.modes_captured == coverage.n_modes
    app.step("both")  # training continues from the snapshot
    assert trainer.iteration == 1


# ----------------------------------------------------------------------------- the text


def test_why_minimax_saturates_as_the_text_says() -> None:
    assert "−σ(a)" in text.WHY_SATURATES and "−(1 − σ(a))" in text.WHY_SATURATES
    a = torch.tensor([-8.0, 0.0, 3.0], requires_grad=True)
    for loss, expected in ((minimax_g_loss, -torch.sigmoid(a)),
                           (non_saturating_g_loss, -(1 - torch.sigmoid(a)))):
        (grad,) = torch.autograd.grad(loss(a) * 3, a)  # per-sample gradient (mean × n)
        assert torch.allclose(grad, expected.detach(), atol=1e-6)
    (mm,) = torch.autograd.grad(minimax_g_loss(a[:1]), a)
    (ns,) = torch.autograd.grad(non_saturating_g_loss(a[:1]), a)
    assert abs(mm[0]) < 1e-3 and ns[0] < -0.999  # D rejects (a = −8): "nearly 0" vs "nearly −1"


def test_intro_numbers_and_recipe_sentence_match_the_code() -> None:
    ring = ring8()
    half = ring.modes[[0, 1, 2, 3]].repeat_interleave(100, 0)
    assert mode_coverage(half, ring.modes, ring.mode_std).reverse_kl == pytest.approx(math.log(2))
    assert "log 2 = half" in text.INTRO and "2,500" in text.INTRO and "3 std" in text.INTRO
    assert STRONG_D["lr_d"] == 10 * STRONG_D["lr_g"] and STRONG_D["d_steps"] == 5
    assert STRONG_D["batch_size"] == 64 and "lr_d = 10 × lr_g" in text.COLLAPSE_RECIPE
    app = build_mode_collapse_app()  # the app opens with those knobs
    assert (app.lr_d_menu.value, app.lr_g_menu.value, app.d_steps_slider.value,
            app.batch_menu.value) == (STRONG_D["lr_d"], STRONG_D["lr_g"], STRONG_D["d_steps"],
                                      STRONG_D["batch_size"])
    assert (app.objective_menu.value, app.compare_menu.value) == ("non-saturating", "pacgan")
    for run in GAN_RUNS.values():
        if run.verdict == "collapsed":
            assert run.train["objective"] == "non-saturating"
            assert all(run.train[k] == v for k, v in STRONG_D.items())
        else:  # "equal learning rates, 1 D step, batch 256 … decayed along a half cosine"
            assert run.train["objective"] == "non-saturating"
            assert run.train["lr_d"] == run.train["lr_g"] and run.train["d_steps"] == 1
            assert run.train["batch_size"] == 256 and run.train["lr_final"] < 1.0
    assert panels.coverage_lines([(100, {"modes_captured": 4, "hq_fraction": 0.5,
                                         "reverse_kl": math.log(2)})], 8)[:, 0] == \
        pytest.approx([50, 50, 100 * math.log(2) / math.log(8)])
