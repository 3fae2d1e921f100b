"""Which model offers which conditional sampler: one plain dict, model class -> sampler class.

A new family registers its clamped chain by adding one line to :data:`CONDITIONAL_SAMPLERS`
(a DBM's, a DAE walk-back chain's, NADE's exact conditionals...). Views and the CLI ask
:func:`offers_conditional_sampler` / :func:`kind_offers_conditional_sampler`, never ``kind``.
(``sampling`` may import ``models``; ``models`` never imports ``sampling``.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from explorer.errors import ConfigError
from explorer.models import get_model_class
from explorer.models.dae import DAE
from explorer.models.dbm import DBM
from explorer.models.nade import NADE
from explorer.models.rbm import RBM
from explorer.sampling.conditional import ConditionalSampler
from explorer.sampling.dae_chain import DAEChain
from explorer.sampling.dbm_chain import ClampedDBMChain
from explorer.sampling.gibbs import ClampedGibbsChain
from explorer.sampling.nade_sampler import NADESampler

CONDITIONAL_SAMPLERS: dict[type, type] = {
    RBM: ClampedGibbsChain,
    DAE: DAEChain,
    DBM: ClampedDBMChain,
    NADE: NADESampler,
}


def sampler_class(model_or_class: Any) -> type | None:
    """The sampler class registered for a model (or model class), via its MRO; else ``None``."""
    cls = model_or_class if isinstance(model_or_class, type) else type(model_or_class)
    for base in cls.__mro__:
        if base in CONDITIONAL_SAMPLERS:
            return CONDITIONAL_SAMPLERS[base]
    return None


def offers_conditional_sampler(model_or_class: Any) -> bool:
    """Whether a model (or model class) can inpaint, i.e. has a registered sampler."""
    return sampler_class(model_or_class) is not None


def kind_offers_conditional_sampler(kind: str) -> bool:
    """Whether the family named ``kind`` on a weights card offers a conditional sampler."""
    try:
        return offers_conditional_sampler(get_model_class(kind))
    except ConfigError:
        return False


def conditional_sampler(
    model: Any,
    clamp_values: np.ndarray | torch.Tensor,
    clamp_mask: np.ndarray | torch.Tensor,
    n_chains: int = 8,
    generator: torch.Generator | None = None,
) -> ConditionalSampler:
    """The registered sampler for ``model``, clamped to ``clamp_values`` where ``clamp_mask``."""
    cls = sampler_class(model)
    if cls is None:
        known = ", ".join(sorted(getattr(c, "kind", c.__name__) for c in CONDITIONAL_SAMPLERS))
        raise ConfigError(
            f"a {getattr(model, 'kind', type(model).__name__)} offers no conditional sampler, so "
            f"it cannot inpaint; models that can: {known}"
        )
    return cls(model, clamp_values, clamp_mask, n_chains, generator)


def card_models_digits(card: dict[str, Any]) -> bool:
    """Whether a weights card's model can be over 784 MNIST pixels: not when its config says
    otherwise (``data`` "2d" — a 2-D DAE, whose sampler clamps points in the plane — or an
    ``n_visible`` other than 784)."""
    config = card.get("config") or {}
    return config.get("data", "mnist") != "2d" and config.get("n_visible", 784) == 784


def models_that_inpaint(entries: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Names among ``(name, card)`` pretrained entries whose kind offers a conditional sampler
    and whose model is over digit pixels (:func:`card_models_digits`)."""
    return [name for name, card in entries
            if kind_offers_conditional_sampler(card.get("kind", "")) and card_models_digits(card)]
