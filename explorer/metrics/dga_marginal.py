"""The DGA sampler's own log-likelihood, ``log P(x) = log Σ_h P(x, h)``, by importance sampling over
codes with an encoder-centred proposal: a stochastic lower bound that is never below log P*(x).

The seed's §5.1 number normalises ``P*(x) = P(x | f(x)) P(f(x))`` by an importance-sampling
estimate of ``Z = Σ_x P*(x)`` (:func:`explorer.metrics.dga_eval.importance_log_z`); when the
weights' effective sample size is 1–2, ``Ẑ`` rests on one draw and is most likely far too small,
which makes that number too high. This module estimates a different, well-defined quantity
instead: the log-likelihood of the model one actually samples from (ancestral sampling),

    P(x) = Σ_{h₁…h_L} P(x | h₁) P(h₁ | h₂) … P_top(h_L)      (seed eq. 1, stacked),

of which ``P*(x)`` is the single term at the encoder's codes ``h_k = f_k(…f_1(x))`` (Proposition 1).
Stratified importance sampling: that term is kept exactly and the rest of the sum is estimated
with ``K`` draws from a factorised proposal around the encoder's codes,

    q(h_k) = Π_i Bernoulli(h_{k,i} ≠ f_{k,i}; ε_{k,i}),   ε_{k,i} = clip(σ(log P(x, f ⊕ e_{k,i}) −
    log P(x, f)), floor, ½),

i.e. each bit is flipped with the probability a single Gibbs step at the encoder's codes would
give it (the joint with bit ``i`` of layer ``k`` flipped against the joint at the codes; ``floor``
keeps every code reachable). Draws equal to the encoder's codes get weight 0 (their term is
already counted), so ``P̂(x) = P*(x) + (1/K) Σ_k P(x, h^(k)) / q(h^(k)) 1[h^(k) ≠ f]`` is unbiased
for ``P(x)`` and ``log P̂(x) ≥ log P*(x)`` always. By Jensen ``E[log P̂(x)] ≤ log P(x)``: the
estimate can only err low in expectation, so a small effective sample size makes it loose, never
optimistic (the opposite of the §5.1 estimate). The per-digit ESS of the remainder's weights is
reported; the test mean's standard error includes the estimator's noise (one draw per digit).
"""

from __future__ import annotations

import math

import torch

from explorer.models.dga import bernoulli_log_prob

FLIP_FLOOR = 1e-3


@torch.no_grad()
def log_joint(model, x: torch.Tensor, codes: list[torch.Tensor]) -> torch.Tensor:
    """log P(x, h₁, …, h_L) = log P(x | h₁) + Σ_k log P(h_k | h_{k+1}) + log P_top(h_L), (B,)."""
    total = model.layers[len(codes) - 1].prior_log_prob(codes[-1])
    for layer, below, h in zip(model.layers, [x, *codes[:-1]], codes, strict=False):
        total = total + bernoulli_log_prob(below, layer.decode_logits(h))
    return total


@torch.no_grad()
def local_flip_probs(model, x: torch.Tensor, floor: float = FLIP_FLOOR
                     ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """The encoder's codes of each digit and, per layer and bit, the proposal's flip probability
    ``clip(σ(Δ log P(x, h)), floor, ½)`` for flipping that one bit (module doc). ``x`` (B, V)."""
    codes = model.codes(x)
    base = log_joint(model, x, codes)
    probs = []
    for k, code in enumerate(codes):
        d = code.shape[1]
        eye = torch.eye(d, dtype=code.dtype, device=code.device)
        rows = []
        for b in range(len(x)):
            flipped = [c[b].expand(d, -1) for c in codes]
            flipped[k] = (code[b] + eye) % 2  # row i: bit i flipped
            rows.append(log_joint(model, x[b].expand(d, -1), flipped) - base[b])
        probs.append(torch.sigmoid(torch.stack(rows)).clamp(floor, 0.5))
    return codes, probs


@torch.no_grad()
def code_importance_log_px(
    model,
    x: torch.Tensor,
    n_samples: int = 1000,
    generator: torch.Generator | None = None,
    floor: float = FLIP_FLOOR,
    chunk: int = 10,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per digit, ``log P̂(x)`` (float64, ≥ log P*(x)) and the ESS of the remainder's ``n_samples``
    weights (0 when every draw hit the encoder's codes). ``chunk`` digits at a time."""
    out_lp, out_ess = [], []
    for start in range(0, len(x), chunk):
        xb = x[start:start + chunk]
        codes, probs = local_flip_probs(model, xb, floor)
        reps = [xb.repeat_interleave(n_samples, 0)]
        draws, log_q = [], torch.zeros(len(reps[0]), dtype=torch.float64, device=x.device)
        at_codes = torch.ones(len(reps[0]), dtype=torch.bool, device=x.device)
        for code, p in zip(codes, probs, strict=True):
            code, p = code.repeat_interleave(n_samples, 0), p.repeat_interleave(n_samples, 0)
            flip = torch.rand(p.shape, generator=generator, device=p.device) < p
            draws.append(torch.where(flip, 1 - code, code))
            log_q += torch.where(flip, p.log(), torch.log1p(-p)).double().sum(1)
            at_codes &= ~flip.any(1)
        log_w = log_joint(model, reps[0], draws).double() - log_q
        log_w = log_w.masked_fill(at_codes, -math.inf).view(len(xb), n_samples)
        rest = torch.logsumexp(log_w, 1) - math.log(n_samples)
        out_lp.append(torch.logaddexp(model.log_p_star(xb).double(), rest))
        top = log_w.max(1, keepdim=True).values
        w = torch.exp(log_w - torch.where(torch.isfinite(top), top, torch.zeros_like(top)))
        out_ess.append((w.sum(1) ** 2 / (w**2).sum(1)).nan_to_num(0.0))
    return torch.cat(out_lp), torch.cat(out_ess)


@torch.no_grad()
def marginal_log_likelihood(model, x: torch.Tensor, n_samples: int = 1000, seed: int = 0,
                            floor: float = FLIP_FLOOR) -> dict[str, float]:
    """Test mean of :func:`code_importance_log_px` in nats with its standard error, the median
    per-digit ESS, and the mean log P*(x) it starts from."""
    generator = torch.Generator(device=x.device).manual_seed(seed)
    lp, ess = code_importance_log_px(model, x, n_samples, generator, floor)
    return {
        "log_likelihood": float(lp.mean()),
        "log_likelihood_se": float(lp.std() / math.sqrt(len(lp))),
        "median_ess": float(ess.median()),
        "log_p_star": float(model.log_p_star(x).double().mean()),
        "n_samples": n_samples,
    }


@torch.no_grad()
def p_star_terms(model, x: torch.Tensor) -> dict[str, float]:
    """Test means of the terms of log P*(x) along the encoder's path: ``log P(x|h1)``,
    ``log P(h1|h2)``, …, and the top prior ``log P(hL)`` (keys spelled so)."""
    codes = model.codes(x)
    out: dict[str, float] = {}
    for k, (layer, below, h) in enumerate(zip(model.layers, [x, *codes[:-1]], codes,
                                              strict=True)):
        name = "x" if k == 0 else f"h{k}"
        out[f"log P({name}|h{k + 1})"] = float(
            bernoulli_log_prob(below, layer.decode_logits(h)).double().mean())
    out[f"log P(h{len(codes)})"] = float(model.layers[-1].prior_log_prob(codes[-1]).double().mean())
    return out
