"""``explorer eval NAME``: the metrics of a model on the test split, per model kind.

``EVALUATORS`` is the registry, a plain dict (kind -> evaluator) built here from the family
modules (:mod:`.rbm_eval`, :mod:`.classifier_eval`, :mod:`.vae_eval`); none imports this one.
Each evaluator uses the same function as its recipe for the numbers on the card.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.errors import ConfigError
from explorer.metrics.classifier_eval import evaluate_classifier
from explorer.metrics.dae_eval import evaluate_dae
from explorer.metrics.dbm_eval import evaluate_dbm
from explorer.metrics.dga_eval import evaluate_dga
from explorer.metrics.nade_eval import evaluate_nade
from explorer.metrics.rbm_eval import evaluate_rbm
from explorer.metrics.vae_eval import evaluate_vae

Evaluator = Callable[[Any, "str | None", int], dict[str, float]]
EVALUATORS: dict[str, Evaluator] = {
    "rbm": evaluate_rbm,
    "classifier": evaluate_classifier,
    "vae": evaluate_vae,
    "dae": evaluate_dae,
    "dga": evaluate_dga,
    "dbm": evaluate_dbm,
    "nade": evaluate_nade,
}


def evaluate(model: Any, source: str | None = None, seed: int = 0) -> dict[str, float]:
    """Metrics of ``model`` on the test split of ``source`` (default: the embedded 5k).

    Random draws come from generators seeded with ``seed``; nothing is seeded globally."""
    kind = getattr(model, "kind", "")
    if kind not in EVALUATORS:
        raise ConfigError(f"no evaluation is defined for models of kind {kind!r}")
    return EVALUATORS[kind](model, source, seed)
