"""Inpainting quality, statistical and seeded: the shipped RBM completes the left half of the
first 500 test digits from their clamped right half, and the shipped classifier reads the
completion as the true digit often enough. Measured: see README (Numbers)."""

from __future__ import annotations

import pytest

from explorer.data import load_mnist
from explorer.metrics.inpainting import inpainting_agreement
from explorer.weights import load_pretrained

AGREEMENT_FLOOR = 0.78  # measured 0.816 with the shipped rbm-mnist (seed 0), 0.814 ± 0.005 (5)


@pytest.mark.slow
def test_right_half_clamped_completions_are_read_as_the_true_digit() -> None:
    images, labels = load_mnist("test", binarize=True)
    model = load_pretrained("rbm-mnist", device="cpu")
    classifier = load_pretrained("classifier-mnist", device="cpu")
    agreement = inpainting_agreement(
        model, classifier, images[:500], labels[:500], "right-half", n_steps=200, seed=0
    )
    print(f"inpainting agreement (right half clamped, 500 digits): {agreement:.3f}")
    assert agreement >= AGREEMENT_FLOOR


@pytest.mark.slow
def test_the_consensus_of_eight_full_mnist_rbm_chains_meets_the_target() -> None:
    """Issue 11's target, best model ≥ 0.85 on the right half: rbm-mnist-full, 8 chains per digit
    as in the app's rows, the consensus chain read (measured 0.866 at seed 0, 0.863 ± 0.006 over
    seeds 0–4, every seed ≥ 0.856); its single chains read 0.834 ± 0.001."""
    images, labels = load_mnist("test", binarize=True)
    model = load_pretrained("rbm-mnist-full", device="cpu")
    classifier = load_pretrained("classifier-mnist", device="cpu")
    chosen = inpainting_agreement(model, classifier, images[:500], labels[:500], "right-half",
                                  n_steps=200, seed=0, consensus_of=8)
    print(f"consensus of 8 (rbm-mnist-full, right half, 500 digits): {chosen:.3f}")
    assert chosen >= 0.85


def test_classifier_reads_the_test_split() -> None:
    images, labels = load_mnist("test", binarize=True)
    classifier = load_pretrained("classifier-mnist", device="cpu")
    import torch

    digit, confidence = classifier.predict(torch.from_numpy(images))
    accuracy = float((digit.numpy() == labels).mean())
    assert accuracy >= 0.95
    assert float(confidence.min()) > 0.1 and float(confidence.max()) <= 1.0
