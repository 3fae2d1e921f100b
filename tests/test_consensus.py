"""The consensus (minimum-Bayes-risk) completion: the chain nearest all the others."""

from __future__ import annotations

import itertools

import pytest
import torch

from explorer.sampling.consensus import consensus, consensus_index


def brute_force(x: torch.Tensor, free: torch.Tensor) -> list[int]:
    out = []
    for group in x:
        risks = [sum(int(((a != b) & free).sum()) for b in group) for a in group]
        out.append(min(range(len(group)), key=lambda k: (risks[k], k)))
    return out


def test_the_majority_completion_wins() -> None:
    seven = torch.tensor([1, 1, 1, 0, 0, 0, 1, 0], dtype=torch.float32)
    nine = 1 - seven
    group = torch.stack([nine, seven, seven, seven])
    assert int(consensus_index(group)) in (1, 2, 3)
    assert torch.equal(consensus(group), seven)


def test_equals_brute_force_pairwise_hamming() -> None:
    generator = torch.Generator().manual_seed(0)
    x = (torch.rand(20, 6, 30, generator=generator) < 0.5).float()
    free = torch.rand(30, generator=generator) < 0.6
    assert consensus_index(x, free).tolist() == brute_force(x, free)
    everything = torch.ones(30, dtype=torch.bool)
    assert consensus_index(x).tolist() == brute_force(x, everything)
    picked = consensus(x, free)
    assert picked.shape == (20, 30)
    for g, k in enumerate(brute_force(x, free)):
        assert torch.equal(picked[g], x[g, k])


def test_clamped_pixels_do_not_count() -> None:
    """Only free pixels enter the loss: differences on the clamped ones change nothing."""
    base = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 0]], dtype=torch.float32)
    free = torch.tensor([False, True, True, False])
    # free parts: 01, 11, 11 → a chain with 11 wins; with every pixel counted, chain 1 (0111)
    assert int(consensus_index(base, free)) in (1, 2)
    assert int(consensus_index(base)) == 1


def test_ties_go_to_the_lowest_index_and_shapes_are_checked() -> None:
    for k in (1, 2, 3):
        group = torch.eye(k)  # all pairwise distances equal
        assert int(consensus_index(group)) == 0
    with pytest.raises(ValueError):
        consensus_index(torch.zeros(2, 3, 4, 5))


def test_every_small_group_against_enumeration() -> None:
    """All groups of 3 chains over 3 free pixels: the same choice as the definition."""
    states = [torch.tensor(s, dtype=torch.float32) for s in itertools.product((0, 1), repeat=3)]
    groups = torch.stack([torch.stack(g) for g in itertools.product(states, repeat=3)])
    free = torch.ones(3, dtype=torch.bool)
    assert consensus_index(groups, free).tolist() == brute_force(groups, free)
