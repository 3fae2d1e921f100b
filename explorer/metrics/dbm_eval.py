"""Test-set metrics of a DBM: ``explorer eval dbm-mnist`` and the ``dbm-mnist`` card.

:func:`dbm_metrics` is the one function both use. A DBM's log-likelihood needs log Z (annealed
importance sampling, :mod:`.dbm_ais`, minutes: the evaluation report has it), so the card gives
the mean-field bound *plus* log Z,
E_Q[−E(v, h)] + H(Q) (eq. 20.35 without −log Z: comparable between checkpoints of one model only),
the reconstruction error through the mean-field posterior, and the right-half inpainting
agreement (200 Gibbs sweeps, the first 500 test digits, read by the shipped classifier).
"""

from __future__ import annotations

import numpy as np
import torch


@torch.no_grad()
def dbm_metrics(model, images: np.ndarray, labels: np.ndarray, seed: int = 0,
                n_agreement: int = 500) -> dict[str, float]:
    """Means over the rows of ``images`` (N, 784) in {0, 1}: ``elbo_plus_log_z`` (10 mean-field
    iterations), ``recon_error`` (Σ_i (P(v_i | ĥ¹) − v_i)², mean over digits) and
    ``inpaint_right_half_agreement_500`` on the first ``n_agreement`` digits."""
    from explorer.metrics.inpainting import inpainting_agreement
    from explorer.weights import load_pretrained

    x = torch.from_numpy(images).to(model.device)
    h1, h2 = model.mean_field(x, 10)
    classifier = load_pretrained("classifier-mnist", device=str(model.device))
    return {
        "elbo_plus_log_z": float(model.elbo_unnormalized(x, h1, h2).mean()),
        "recon_error": float(((model.prob_v(h1) - x) ** 2).sum(1).mean()),
        "inpaint_right_half_agreement_500": inpainting_agreement(
            model, classifier, images[:n_agreement], labels[:n_agreement], "right-half",
            seed=seed),
    }


def evaluate_dbm(model, source: str | None, seed: int) -> dict[str, float]:
    """:func:`dbm_metrics` on the threshold-binarized test split."""
    from explorer.data import load_mnist

    images, labels = load_mnist("test", binarize=True, source=source)
    return dbm_metrics(model, images, labels, seed=seed)
