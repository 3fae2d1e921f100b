"""``explorer eval NAME``: the metrics of a model on the test split, per model kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from explorer.errors import ConfigError

Evaluator = Callable[[Any, "str | None", int], dict[str, float]]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(kind: str) -> Callable[[Evaluator], Evaluator]:
    def register(fn: Evaluator) -> Evaluator:
        EVALUATORS[kind] = fn
        return fn

    return register


def _test_split(model, source: str | None):
    from explorer.data import load_mnist

    images, labels = load_mnist("test", binarize=True, source=source)
    device = next(model.parameters()).device
    return images, labels, torch.from_numpy(images).to(device)


@evaluator("rbm")
def evaluate_rbm(model, source: str | None, seed: int) -> dict[str, float]:
    from explorer.metrics.inpainting import inpainting_agreement
    from explorer.weights import load_pretrained

    images, labels, x = _test_split(model, source)
    gen = torch.Generator(device=x.device).manual_seed(seed)
    with torch.no_grad():
        recon = model.prob_v(model.sample_h(x, gen)[0])
        result = {
            "pseudo_log_likelihood": float(model.pseudo_log_likelihood(x, gen)),
            "recon_error": float(((recon - x) ** 2).sum(1).mean()),
        }
    classifier = load_pretrained("classifier-mnist", device=str(x.device))
    result["inpaint_right_half_agreement_500"] = inpainting_agreement(
        model, classifier, images[:500], labels[:500], "right-half", seed=seed
    )
    return result


@evaluator("classifier")
def evaluate_classifier(model, source: str | None, seed: int) -> dict[str, float]:
    from explorer.models.classifier import accuracy

    _, labels, x = _test_split(model, source)
    return {"test_accuracy": accuracy(model, x, torch.from_numpy(labels))}


def evaluate(model, source: str | None = None, seed: int = 0) -> dict[str, float]:
    """Metrics of ``model`` on the test split of ``source`` (default: the embedded 5k)."""
    kind = getattr(model, "kind", "")
    if kind not in EVALUATORS:
        raise ConfigError(f"no evaluation is defined for models of kind {kind!r}")
    torch.manual_seed(seed)
    return EVALUATORS[kind](model, source, seed)

import explorer.metrics.vae_eval  # noqa: E402,F401 - registers the "vae" evaluator
