"""Test-set bounds of a VAE, in nats per digit: the ELBO (eq. 20.77) and IWAE_k (eq. 20.79).

``explorer eval vae2d-mnist`` prints them (JSON on the last line); the training recipe writes the
same numbers on the weights card. Both use the threshold-binarized test split.
"""

from __future__ import annotations

import torch

IWAE_KS = (1, 50, 500)
ELBO_SAMPLES = 16  # Monte Carlo samples of z per digit for the reconstruction term


@torch.no_grad()
def vae_bounds(
    model,
    x: torch.Tensor,
    seed: int = 0,
    ks: tuple[int, ...] = IWAE_KS,
    elbo_samples: int = ELBO_SAMPLES,
) -> dict[str, float]:
    """Mean bounds on log p(x) over the rows of ``x`` (B, 784), in nats.

    Keys: ``elbo`` = ``reconstruction`` − ``kl`` (reconstruction averaged over ``elbo_samples``
    draws per digit, KL exact), and ``iwae_<k>`` for each k (``iwae_1`` is a one-sample estimate
    of the same ELBO, so it agrees with ``elbo`` up to Monte Carlo noise; IWAE_k grows with k).
    Seeded: the same model, data and seed give the same numbers.
    """
    was_training = model.training
    model.eval()
    generator = torch.Generator(device=x.device).manual_seed(seed)
    terms_elbo, terms_rec, terms_kl = [], [], []
    for start in range(0, len(x), 250):
        terms = model.elbo(x[start : start + 250], n_samples=elbo_samples, generator=generator)
        terms_elbo.append(terms.elbo)
        terms_rec.append(terms.reconstruction)
        terms_kl.append(terms.kl)
    result = {
        "elbo": float(torch.cat(terms_elbo).mean()),
        "reconstruction": float(torch.cat(terms_rec).mean()),
        "kl": float(torch.cat(terms_kl).mean()),
    }
    for k in ks:
        result[f"iwae_{k}"] = float(model.iwae_bound(x, k, generator=generator).mean())
    model.train(was_training)
    return result


def evaluate_vae(model, source: str | None, seed: int) -> dict[str, float]:
    """ELBO, its two terms, and IWAE_1/50/500 on the test split (mean nats per digit)."""
    from explorer.data import load_mnist

    images, _ = load_mnist("test", binarize=True, source=source)
    x = torch.from_numpy(images).to(next(model.parameters()).device)
    return vae_bounds(model, x, seed=seed)
