"""The mode-collapse app's MNIST tab, headless: opening it pauses the 2-D run and loads the
shipped MNIST GANs; the digits, captions, histograms and lines show what the classifier reads;
"New samples" redraws; and every claim of its text holds against the computation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from explorer.metrics.modes import class_histogram
from explorer.train.gan_mnist_recipe import (
    MNIST_NETS,
    MNIST_RUNS,
    SAMPLE_SEED,
    STRONG_D_MNIST,
    mnist_samples,
)
from explorer.views.mode_collapse import ModeCollapseApp, build_mode_collapse_app, panels, text
from explorer.views.mode_collapse.mnist_tab import N_SHOWN


@pytest.fixture(scope="module")
def app() -> ModeCollapseApp:
    app = build_mode_collapse_app()
    app.batch_menu.value = 32
    return app


def _bars(svg: str) -> list[float]:
    return [float(f) for f in re.findall(r'data-fraction="([0-9.]+)"', svg)]


def test_opening_the_tab_pauses_training_and_shows_both_gans(app: ModeCollapseApp) -> None:
    assert not app.mnist.loaded  # nothing is loaded before the tab is opened
    app.iterations_box.value = 100_000
    app.play()
    app.tabs.selected_index = 1
    app.live.join(5)
    assert not app.live.running
    assert app.mnist.loaded and set(app.mnist.numbers) == set(MNIST_RUNS)
    assert text.MNIST_READY in app.status.value
    for name, numbers in app.mnist.numbers.items():
        card = app.mnist.models[name].card
        # the first draw is the card's: the same counts
        assert numbers["counts"] == card["metrics"]["class_counts"]
        strip = app.mnist.strips[name]
        assert strip.n_images == N_SHOWN and len(strip.images) == N_SHOWN * 784
        assert strip.captions == [str(k) for k in numbers["labels"][:N_SHOWN]]
        bars = _bars(app.mnist.histograms[name].value)
        assert bars == pytest.approx(numbers["fractions"], abs=1e-4) and len(bars) == 10
        assert f"{numbers['kl_to_uniform']:.3f}" in app.mnist.lines[name].value
        assert f"{numbers['classes_seen']} of 10 digits" in app.mnist.lines[name].value
        assert card["data"]["verdict"] in app.mnist.headings[name].value
    app.tabs.selected_index = 0
    assert text.READY in app.status.value


def test_new_samples_draw_fresh_digits_and_recount(app: ModeCollapseApp) -> None:
    app.tabs.selected_index = 1
    before = {name: bytes(strip.images) for name, strip in app.mnist.strips.items()}
    seed = app.mnist.seed
    app.mnist.resample_button.click()
    assert app.mnist.seed == seed + 1 and f"z seed {seed + 1}" in app.status.value
    for name, model in app.mnist.models.items():
        assert bytes(app.mnist.strips[name].images) != before[name]
        expected = class_histogram(mnist_samples(model, 1000, seed + 1), app.mnist.classifier)
        assert app.mnist.numbers[name]["counts"] == expected["counts"]


def test_the_histogram_draws_the_fractions_and_the_uniform_line() -> None:
    svg = panels.class_histogram_svg([0.5, 0.5] + [0.0] * 8, "t")
    assert _bars(svg) == [0.5, 0.5] + [0.0] * 8 and "10%" in svg
    heights = [float(h) for h in re.findall(r'height="([0-9.]+)" fill="#1f77b4"', svg)]
    assert heights[0] == heights[1] > 0 and heights[2] == 0
    assert 'stroke-dasharray="4 3"' in svg


def test_the_mnist_text_says_what_the_code_does(app: ModeCollapseApp) -> None:
    intro = text.MNIST_INTRO
    # "the same MLP nets (G: z → 256 → 256 → 784 with BatchNorm; D: 784 → 256 → 256 → 1)"
    assert {run.model["g_norm"] for run in MNIST_RUNS.values()} == {"batch"}
    assert (MNIST_NETS["g_hidden"], MNIST_NETS["g_depth"], MNIST_NETS["d_hidden"],
            MNIST_NETS["d_depth"], MNIST_NETS["data_dim"]) == (256, 2, 256, 2, 784)
    assert "z → 256 → 256 → 784 with BatchNorm" in intro and "784 → 256 → 256 → 1" in intro
    # "the non-saturating loss" (R1 is the non-saturating game plus a penalty)
    objectives = {run.verdict: run.train["objective"] for run in MNIST_RUNS.values()}
    assert objectives == {"collapsed": "non-saturating", "healthy": "r1"}
    # "lr_d = 10 × lr_g, 5 D steps" / "equal learning rates, one D step, and R1 (γ = 10"
    assert STRONG_D_MNIST["lr_d"] == 10 * STRONG_D_MNIST["lr_g"] and STRONG_D_MNIST["d_steps"] == 5
    assert "lr_d = 10 × lr_g, 5 D steps" in intro
    healthy = MNIST_RUNS["gan-mnist-healthy"].train
    assert healthy.get("d_steps", 1) == 1 and healthy["r1_gamma"] == 10.0
    assert "equal learning rates, one D step, and R1 (γ = 10" in intro
    # "0 when every digit gets 10 %, log 10 ≈ 2.30 when every sample is read as the same digit"
    assert "log 10 ≈ 2.30" in intro and f"{math.log(10):.2f}" == "2.30"
    uniform = class_histogram(np.eye(10).repeat(3, 0), _ArgmaxReader())
    single = class_histogram(np.eye(10)[[4] * 30], _ArgmaxReader())
    assert uniform["kl_to_uniform"] == pytest.approx(0.0)
    assert single["kl_to_uniform"] == pytest.approx(math.log(10))
    # "D wins — it rejects G's samples with near certainty" and the classes: on the shipped GANs
    app.tabs.selected_index = 1
    collapsed = app.mnist.models["gan-mnist-collapsed"]
    x = mnist_samples(collapsed, 500, SAMPLE_SEED)
    import torch

    with torch.no_grad():
        d_fake = torch.sigmoid(collapsed.discriminate(x)).mean().item()
    assert d_fake < 0.1, d_fake
    # "the samples still vary": the collapsed GAN's digits are not one image
    assert x.std(0).mean().item() > 0.05


class _ArgmaxReader:
    """A stand-in classifier for the KL claims: the digit is the index of the largest input."""

    def predict(self, x):
        import torch

        x = torch.as_tensor(x)
        return x.argmax(dim=1), torch.ones(len(x))
