"""Markov chains as steppable objects."""

from explorer.sampling.gibbs import ClampedGibbsChain, inpaint
from explorer.sampling.masks import MASK_NAMES, make_mask

__all__ = ["ClampedGibbsChain", "inpaint", "MASK_NAMES", "make_mask"]
