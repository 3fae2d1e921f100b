"""Test-set metrics of an orderless NADE: ``explorer eval nade-mnist`` and the ``nade-mnist`` card.

:func:`nade_metrics` is the one function both use. The log-likelihoods are exact (NADE is
normalised by construction), in nats per threshold-binarized test digit: under the raster ordering,
and averaged over 4 random orderings (the mean of the 4 per-ordering log p(x); each ordering is
a fresh random one per digit, drawn from a generator seeded with ``seed``).
"""

from __future__ import annotations

import numpy as np
import torch

N_ORDERINGS = 4


@torch.no_grad()
def nade_metrics(model, images: np.ndarray, labels: np.ndarray, seed: int = 0,
                 n_agreement: int = 500) -> dict[str, float]:
    """``test_log_likelihood_raster``, ``test_log_likelihood_4_random_orderings`` and
    ``inpaint_right_half_agreement_500`` (one exact sample per digit, in the sampler's default
    order — a random ordering of the free pixels — on the first ``n_agreement`` digits)."""
    from explorer.metrics.inpainting import inpainting_agreement
    from explorer.weights import load_pretrained

    model.eval()
    x = torch.from_numpy(images).to(model.device)
    generator = torch.Generator(device=model.device).manual_seed(seed)
    random_ll = torch.stack([model.log_prob(x, "random", generator) for _ in range(N_ORDERINGS)])
    classifier = load_pretrained("classifier-mnist", device=str(model.device))
    return {
        "test_log_likelihood_raster": float(model.log_prob(x).mean()),
        "test_log_likelihood_4_random_orderings": float(random_ll.mean()),
        "inpaint_right_half_agreement_500": inpainting_agreement(
            model, classifier, images[:n_agreement], labels[:n_agreement], "right-half",
            n_steps=1, seed=seed),
    }


def evaluate_nade(model, source: str | None, seed: int) -> dict[str, float]:
    """:func:`nade_metrics` on the threshold-binarized test split."""
    from explorer.data import load_mnist

    images, labels = load_mnist("test", binarize=True, source=source)
    return nade_metrics(model, images, labels, seed=seed)
