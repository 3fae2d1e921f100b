"""The model base: capabilities instead of kind tests, the Samplable protocol, MODEL_KINDS."""

from __future__ import annotations

import pytest
import torch

from explorer.models import (
    CLASSIFY,
    DAE,
    DGA,
    FREE_ENERGY,
    GAN,
    MODEL_KINDS,
    RBM,
    SAMPLE,
    VAE,
    DigitClassifier,
    ExplorerModel,
    ImageGAN,
    Samplable,
    get_model_class,
    has_capability,
)
from explorer.models.base import seeded_global_rng
from explorer.models.classifier import ClassifierConfig
from explorer.models.rbm import RBMConfig
from explorer.models.vae import VAEConfig


def test_registry_is_a_plain_dict_of_every_family() -> None:
    from explorer.models import DBM, NADE

    assert MODEL_KINDS == {"rbm": RBM, "classifier": DigitClassifier, "vae": VAE, "dae": DAE,
                           "gan-2d": GAN, "gan-mnist": ImageGAN, "dga": DGA, "dbm": DBM,
                           "nade": NADE}
    assert get_model_class("rbm") is RBM and get_model_class("nade") is NADE
    with pytest.raises(ValueError, match="unknown model kind 'made'; known"):
        get_model_class("made")


def test_capabilities_say_what_a_model_offers() -> None:
    rbm = RBM(RBMConfig(n_visible=9, n_hidden=3))
    assert has_capability(rbm, SAMPLE) and has_capability(RBM, FREE_ENERGY)
    classifier = DigitClassifier(ClassifierConfig(channels1=2, channels2=2, hidden=4))
    assert has_capability(classifier, CLASSIFY) and not has_capability(classifier, SAMPLE)
    assert not isinstance(classifier, Samplable)


@pytest.mark.parametrize("model", [
    RBM(RBMConfig(n_visible=784, n_hidden=3)),
    VAE(VAEConfig(hidden1=8, hidden2=0, latent=2)),
])
def test_samplable_models_share_one_call(model) -> None:
    assert isinstance(model, Samplable)
    draw = model.sample(3, generator=torch.Generator().manual_seed(0))
    again = model.sample(3, torch.Generator().manual_seed(0))  # generator is the 2nd parameter
    assert draw.shape == (3, 784) and torch.equal(draw, again)
    assert 0 <= float(draw.min()) and float(draw.max()) <= 1


def test_a_claimed_capability_needs_its_methods() -> None:
    with pytest.raises(TypeError, match="claims 'sample' but has no sample"):
        type("Broken", (ExplorerModel,), {"capabilities": frozenset({SAMPLE})})
    with pytest.raises(TypeError, match="unknown capability"):
        type("Odd", (ExplorerModel,), {"capabilities": frozenset({"telepathy"})})


def test_seeded_global_rng_is_manual_seed_for_the_block_only() -> None:
    torch.manual_seed(7)
    reference = DigitClassifier(ClassifierConfig()).state_dict()
    torch.manual_seed(99)
    state = torch.get_rng_state()
    with seeded_global_rng(7):
        scoped = DigitClassifier(ClassifierConfig()).state_dict()
    assert torch.equal(torch.get_rng_state(), state)
    assert all(torch.equal(reference[k], scoped[k]) for k in reference)
