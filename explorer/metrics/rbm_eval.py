"""Test-set metrics of an RBM: ``explorer eval rbm-mnist`` and the ``rbm-mnist`` card.

:func:`rbm_metrics` is the one function that computes the card's numbers; the evaluator adds the
inpainting agreement (a longer run, so it is not on the card).
"""

from __future__ import annotations

import torch


@torch.no_grad()
def rbm_metrics(model, x: torch.Tensor, seed: int = 0) -> dict[str, float]:
    """Mean over the rows of ``x`` (B, V) in {0, 1}:

    - ``pseudo_log_likelihood``: the exact Σ_i log P(v_i | v_−i) in nats
      (:meth:`explorer.models.rbm.RBM.pseudo_log_likelihood`, all V conditionals per digit);
    - ``recon_error``: squared error of one reconstruction v → h ~ P(h|v) → P(v|h), summed over
      pixels (seeded: h is drawn from a generator seeded with ``seed``).
    """
    generator = torch.Generator(device=x.device).manual_seed(seed)
    recon = model.prob_v(model.sample_h(x, generator)[0])
    return {
        "pseudo_log_likelihood": float(model.pseudo_log_likelihood(x).mean()),
        "recon_error": float(((recon - x) ** 2).sum(1).mean()),
    }


def evaluate_rbm(model, source: str | None, seed: int) -> dict[str, float]:
    """The card's metrics on the test split, plus the right-half inpainting agreement on the
    first 500 test digits, read by the shipped classifier."""
    from explorer.data import load_mnist
    from explorer.metrics.inpainting import inpainting_agreement
    from explorer.weights import load_pretrained

    images, labels = load_mnist("test", binarize=True, source=source)
    x = torch.from_numpy(images).to(next(model.parameters()).device)
    result = rbm_metrics(model, x, seed=seed)
    classifier = load_pretrained("classifier-mnist", device=str(x.device))
    result["inpaint_right_half_agreement_500"] = inpainting_agreement(
        model, classifier, images[:500], labels[:500], "right-half", seed=seed
    )
    return result
