"""The MNIST GANs: BatchNorm in G (each eval-mode sample depends on its own z), the recipes
(registered, reproducible, cards that hold the class numbers), and the shipped pair: the collapsed
one reads as one or two digits, the healthy one as all ten near 10 %."""

from __future__ import annotations

import json
import math

import pytest
import torch

from explorer.metrics.modes import class_histogram
from explorer.models.gan import GANConfig, ImageGAN, build_gan
from explorer.train.gan_mnist_recipe import (
    MNIST_NETS,
    MNIST_RUNS,
    MNIST_SAMPLES,
    SAMPLE_SEED,
    mnist_class_metrics,
    mnist_samples,
)
from explorer.train.recipes import RECIPES, TrainRequest, train
from explorer.weights import load_pretrained


@pytest.fixture(scope="module")
def classifier():
    return load_pretrained("classifier-mnist", "cpu", expected_kind="classifier")


@pytest.fixture(scope="module")
def shipped():
    return {name: load_pretrained(name, "cpu", expected_kind="gan-mnist") for name in MNIST_RUNS}


def test_batch_norm_generator_in_eval_mode_samples_each_z_alone() -> None:
    model = build_gan(GANConfig(**{**MNIST_NETS, "g_norm": "batch"}), 0, ImageGAN)
    names = [type(m).__name__ for m in model.generator.net]
    assert names[:3] == ["Linear", "BatchNorm1d", "ReLU"] and names[-1] == "Sigmoid"
    model.generator(torch.randn(64, 64))  # one training-mode pass moves the running statistics
    model.eval()
    z = torch.randn(5, MNIST_NETS["z_dim"], generator=torch.Generator().manual_seed(1))
    together = model.generator(z)
    alone = torch.cat([model.generator(z[i : i + 1]) for i in range(5)])
    assert torch.allclose(together, alone, atol=1e-6)
    assert together.min() >= 0 and together.max() <= 1
    # without g_norm the nets are the 2-D ones: no BatchNorm, the shipped 2-D names unchanged
    plain = build_gan(GANConfig(), 0)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in plain.modules())
    assert "generator.net.6.weight" in plain.state_dict()


def test_mnist_samples_are_seeded_and_leave_the_mode_alone(shipped) -> None:
    model = shipped["gan-mnist-healthy"]
    model.train()
    a = mnist_samples(model, 10, seed=3)
    b = mnist_samples(model, 10, seed=3)
    assert model.training  # restored
    model.eval()
    assert torch.equal(a, b) and a.shape == (10, 784)
    assert not torch.equal(a, mnist_samples(model, 10, seed=4))


def test_every_mnist_run_is_a_recipe() -> None:
    assert set(MNIST_RUNS) <= set(RECIPES)
    assert {run.verdict for run in MNIST_RUNS.values()} == {"collapsed", "healthy"}
    # the two differ in the discriminator's strength and R1, not in the nets
    nets = {json.dumps(run.model, sort_keys=True) for run in MNIST_RUNS.values()}
    assert len(nets) == 1


def test_a_short_mnist_recipe_run_saves_a_card_with_its_class_numbers(tmp_path, classifier) -> None:
    request = TrainRequest(epochs=1, device="cpu", seed=1, out=tmp_path)
    card_path, result = train("gan-mnist-healthy", request)
    card = json.loads(card_path.read_text())
    assert card["kind"] == "gan-mnist" and card["training"]["iterations"] == 100
    assert card["training"]["objective"] == "r1" and card["data"]["verdict"] == "healthy"
    assert "grey" in card["data"]["binarization"] or "none" in card["data"]["binarization"]
    model = load_pretrained(card_path, "cpu", expected_kind="gan-mnist")
    again = mnist_class_metrics(model, classifier)
    assert again["class_counts"] == card["metrics"]["class_counts"]
    assert sum(again["class_counts"]) == MNIST_SAMPLES == card["metrics"]["n_samples"]
    assert again["kl_to_uniform"] == pytest.approx(card["metrics"]["kl_to_uniform"], abs=1e-4)


@pytest.mark.parametrize("name", sorted(MNIST_RUNS))
def test_shipped_cards_hold_the_numbers_their_weights_give(name, shipped, classifier) -> None:
    model = shipped[name]
    card = model.card
    assert card["training"]["sample_seed"] == SAMPLE_SEED
    again = mnist_class_metrics(model, classifier)
    assert again["class_counts"] == card["metrics"]["class_counts"]
    assert again["kl_to_uniform"] == pytest.approx(card["metrics"]["kl_to_uniform"], abs=1e-4)


@pytest.mark.parametrize("seed", [SAMPLE_SEED, 1, 2])
def test_the_collapsed_gan_reads_as_few_digits_the_healthy_one_as_all_ten(
    seed, shipped, classifier
) -> None:
    # the claims of the MNIST tab (text.MNIST_INTRO), on the card's draw and two fresh ones
    collapsed = class_histogram(mnist_samples(shipped["gan-mnist-collapsed"], 1000, seed),
                                classifier)
    healthy = class_histogram(mnist_samples(shipped["gan-mnist-healthy"], 1000, seed),
                              classifier)
    two_largest = sorted(collapsed["fractions"])[-2:]
    assert sum(two_largest) >= 0.8, collapsed["fractions"]  # "80 % or more … one or two digits"
    assert collapsed["kl_to_uniform"] >= 1.0
    assert healthy["classes_seen"] == 10
    assert healthy["kl_to_uniform"] <= 0.1
    assert all(0.04 <= f <= 0.2 for f in healthy["fractions"]), healthy["fractions"]
    assert healthy["kl_to_uniform"] < collapsed["kl_to_uniform"] / 10
    assert 0 <= healthy["kl_to_uniform"] <= math.log(10)
