"""Importance sampling over codes for the DGA sampler's log P(x), against exact enumeration of
every code of tiny shallow and deep DGAs: never below log P*, unbiased for P(x), exact in the
limit, and the terms of log P*."""

from __future__ import annotations

import itertools

import pytest
import torch

from explorer.metrics.dga_marginal import (
    code_importance_log_px,
    local_flip_probs,
    log_joint,
    marginal_log_likelihood,
    p_star_terms,
)
from tests.test_dga import all_states, tiny_dga


def exact_log_px(model, x: torch.Tensor) -> torch.Tensor:
    """log Σ_{h₁…h_L} P(x, h₁, …, h_L) by enumerating every tuple of codes (tiny models)."""
    grids = [all_states(layer.prior_logit.numel()) for layer in model.layers]
    terms = []
    for combo in itertools.product(*(range(len(g)) for g in grids)):
        codes = [g[i].expand(len(x), -1) for g, i in zip(grids, combo, strict=True)]
        terms.append(log_joint(model, x, codes).double())
    return torch.logsumexp(torch.stack(terms, 1), 1)


@pytest.mark.parametrize("codes", [[3], [4, 3]])
def test_enumeration_sums_to_one_and_matches_the_shallow_marginal(codes) -> None:
    model = tiny_dga(7, codes, seed=4)
    xs = all_states(7)
    exact = exact_log_px(model, xs)
    assert abs(float(torch.logsumexp(exact, 0))) < 1e-5  # a distribution over x
    if len(codes) == 1:
        torch.testing.assert_close(exact, model.log_marginal_exact(xs, all_states(3)).double(),
                                   atol=1e-5, rtol=0)


@pytest.mark.parametrize("codes", [[3], [4, 3]])
def test_estimate_is_never_below_log_p_star_and_converges(codes) -> None:
    model = tiny_dga(7, codes, seed=5)
    xs = all_states(7)
    exact = exact_log_px(model, xs)
    est, ess = code_importance_log_px(model, xs, 20_000, torch.Generator().manual_seed(0))
    assert (est >= model.log_p_star(xs).double() - 1e-9).all()
    assert (model.log_p_star(xs).double() < exact - 0.1).any()  # P* misses mass: not vacuous
    # the remainder's relative error is about 1/√ESS (and P* is exact): within 4 of those
    assert (ess > 100).all()
    assert ((est - exact).abs() < 4 / ess.sqrt()).all(), float((est - exact).abs().max())
    assert float((est - exact).mean().abs()) < 0.01


def test_estimate_of_p_x_is_unbiased_and_its_log_errs_low() -> None:
    """E[P̂(x)] = P(x) (stratified IS), so E[log P̂(x)] ≤ log P(x): with 3 draws per digit,
    the mean ratio P̂/P over 400 repetitions is 1 within its error, the mean log-ratio ≤ 0."""
    model = tiny_dga(7, [4, 3], seed=6)
    xs = all_states(7)[::9]
    exact = exact_log_px(model, xs)
    gen = torch.Generator().manual_seed(1)
    reps = torch.stack([code_importance_log_px(model, xs, 3, gen)[0] for _ in range(400)])
    ratio = torch.exp(reps - exact)  # (400, B)
    mean, se = ratio.mean(0), ratio.std(0) / 20
    assert ((mean - 1).abs() < 4 * se + 1e-3).all(), (mean, se)
    assert float((reps - exact).mean()) < 0
    assert float(se.max()) > 1e-3  # three draws really are noisy


def test_flip_probabilities_are_single_flip_conditionals() -> None:
    model = tiny_dga(7, [4, 3], seed=7)
    x = all_states(7)[[5, 77]]
    codes, probs = local_flip_probs(model, x, floor=0.0)
    assert [p.shape for p in probs] == [(2, 4), (2, 3)]
    base = log_joint(model, x, codes)
    flipped = [c.clone() for c in codes]
    flipped[1][:, 2] = 1 - flipped[1][:, 2]
    expected = torch.sigmoid(log_joint(model, x, flipped) - base).clamp(max=0.5)
    torch.testing.assert_close(probs[1][:, 2], expected)
    assert (probs[0] <= 0.5).all() and (local_flip_probs(model, x, 0.2)[1][0] >= 0.2).all()


def test_summary_and_p_star_terms() -> None:
    model = tiny_dga(7, [4, 3], seed=8)
    xs = all_states(7)
    out = marginal_log_likelihood(model, xs, n_samples=200, seed=0)
    assert out["log_likelihood"] >= out["log_p_star"] and out["log_likelihood_se"] > 0
    assert out["median_ess"] > 1
    terms = p_star_terms(model, xs)
    assert list(terms) == ["log P(x|h1)", "log P(h1|h2)", "log P(h2)"]
    assert sum(terms.values()) == pytest.approx(float(model.log_p_star(xs).double().mean()),
                                                abs=1e-4)
