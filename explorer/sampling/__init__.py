"""Markov chains as steppable objects, and the conditional-sampler contract they implement."""

from explorer.sampling.conditional import ConditionalSampler, Diagnostics
from explorer.sampling.gibbs import ClampedGibbsChain
from explorer.sampling.inpaint import inpaint
from explorer.sampling.masks import MASK_NAMES, make_mask
from explorer.sampling.registry import (
    CONDITIONAL_SAMPLERS,
    conditional_sampler,
    kind_offers_conditional_sampler,
    models_that_inpaint,
    offers_conditional_sampler,
)

__all__ = [
    "CONDITIONAL_SAMPLERS",
    "ClampedGibbsChain",
    "ConditionalSampler",
    "Diagnostics",
    "MASK_NAMES",
    "conditional_sampler",
    "inpaint",
    "kind_offers_conditional_sampler",
    "make_mask",
    "models_that_inpaint",
    "offers_conditional_sampler",
]
