"""The consensus completion: of K chains clamped alike, the one nearest all the others.

K chains of a conditional sampler give K completions x_1..x_K of the same clamped pixels, draws
(after burn-in) from the model's P(x_free | x_clamped). Each one is a *sample*: a faithful model
completes an ambiguous half as the wrong digit exactly as often as the data would. Asked for one
best completion instead, the minimum-Bayes-risk choice under the Hamming loss on the free pixels
picks the completion with the smallest expected loss against the model's own samples,

    k* = argmin_k  Σ_j  d(x_k, x_j),     d(a, b) = #{free pixels i : a_i ≠ b_i},

the sample-based estimate of argmin_x E_{x' ~ P(·|x_clamped)}[d(x, x')]. It seeks the conditional's
largest mode: when most chains complete a 7 and one wanders to a 9, it returns one of the 7s.
It is a read-out of the model's samples, not a sample, and uses nothing but the model's own
completions (no classifier, no label). Ties go to the lowest index.
"""

from __future__ import annotations

import torch


def consensus_index(completions: torch.Tensor, free_mask: torch.Tensor | None = None
                    ) -> torch.Tensor:
    """Index of the minimum-Bayes-risk completion of every group.

    ``completions``: (G, K, V) in {0, 1} — G groups (digits) of K completions each, or (K, V)
    for one group; ``free_mask``: (V,) or (G, K, V) bool, the pixels the loss counts (``None``:
    all; clamped pixels are equal across a group's chains anyway). Returns (G,) int64, or a
    0-d tensor for a (K, V) input.
    """
    x = completions.float()
    single = x.dim() == 2
    if single:
        x = x.unsqueeze(0)
    if x.dim() != 3 or x.shape[1] < 1:
        raise ValueError(f"completions must be (G, K, V) or (K, V), got {tuple(completions.shape)}")
    if free_mask is not None:
        x = x * torch.broadcast_to(free_mask.to(x.device, torch.bool), x.shape).float()
    # Hamming distance between binary vectors: |a| + |b| − 2 a·b, one batched product.
    ones = x.sum(-1)
    distance = ones[:, :, None] + ones[:, None, :] - 2 * torch.bmm(x, x.transpose(1, 2))
    chosen = distance.sum(-1).argmin(-1)
    return chosen[0] if single else chosen


def consensus(completions: torch.Tensor, free_mask: torch.Tensor | None = None) -> torch.Tensor:
    """The minimum-Bayes-risk completion itself: (V,) for (K, V), (G, V) for (G, K, V)."""
    index = consensus_index(completions, free_mask)
    if completions.dim() == 2:
        return completions[index]
    return completions[torch.arange(len(completions)), index]
