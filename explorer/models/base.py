"""What every model shares: a ``kind``, a validated ``@dataclass`` config, and capabilities.

``kind`` names the family on a weights card (:mod:`explorer.weights` rebuilds the model from
it through ``explorer.models.MODEL_KINDS``, a plain dict). ``capabilities`` says what a model
offers, so the CLI and the views ask ``has_capability(model, SAMPLE)`` instead of testing
``kind == "rbm"``. Each capability is a promise about methods (checked when the class is made):

- ``SAMPLE``: ``sample(n, generator=None) -> (n, n_visible)`` in [0, 1] (pixel probabilities or
  means; extra keyword options such as ``n_steps`` may follow). Typed as :class:`Samplable`.
- ``FREE_ENERGY``: ``free_energy(v) -> (B,)``, an unnormalised −log P(v).
- ``CLASSIFY``: ``predict(x) -> (digit, confidence)``.
- ``LATENT``: ``encode(x)`` and ``decode(z)`` through a continuous latent code.
- ``BOUNDS``: ``elbo`` and ``iwae_bound``, lower bounds on log p(x).

Whether a model can inpaint is not a flag here: ``explorer.sampling.registry`` (model class ->
clamped chain) is the one place that says so, since models never import the samplers.

Trainers live beside their models and follow the contract of :mod:`explorer.train.contract`;
:func:`ensure_finite` is the one check they use to raise :class:`TrainingDiverged`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Protocol, runtime_checkable

import torch
from torch import nn

from explorer.errors import ConfigError, TrainingDiverged

SAMPLE = "sample"
FREE_ENERGY = "free-energy"
CLASSIFY = "classify"
LATENT = "latent"
BOUNDS = "bounds"

# The methods each capability promises (checked in ExplorerModel.__init_subclass__).
CAPABILITY_METHODS: dict[str, tuple[str, ...]] = {
    SAMPLE: ("sample",),
    FREE_ENERGY: ("free_energy",),
    CLASSIFY: ("predict",),
    LATENT: ("encode", "decode"),
    BOUNDS: ("elbo", "iwae_bound"),
}


@runtime_checkable
class Samplable(Protocol):
    """A model that draws ``n`` samples, (n, n_visible) in [0, 1], from its own generator."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor: ...


class ExplorerModel(nn.Module):
    """Base class: ``kind`` names the family on the card, ``config_class`` its config dataclass,
    ``capabilities`` what it offers (see the module docstring)."""

    kind: ClassVar[str] = ""
    config_class: ClassVar[type]
    capabilities: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for capability in cls.capabilities:
            if capability not in CAPABILITY_METHODS:
                raise TypeError(f"{cls.__name__}: unknown capability {capability!r}")
            for method in CAPABILITY_METHODS[capability]:
                if not callable(getattr(cls, method, None)):
                    raise TypeError(f"{cls.__name__} claims {capability!r} but has no {method}()")

    def __init__(self, config: Any) -> None:
        super().__init__()
        if not isinstance(config, self.config_class):
            raise ConfigError(f"{type(self).__name__} needs a {self.config_class.__name__}")
        validate = getattr(config, "validate", None)
        if validate is not None:
            validate()
        self.config = config

    def config_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self.config)

    @classmethod
    def from_config_dict(cls, values: dict[str, Any]) -> ExplorerModel:
        """Rebuild from a card's config; unknown or missing fields raise :class:`ConfigError`."""
        fields = {f.name for f in dataclasses.fields(cls.config_class)}
        unknown = set(values) - fields
        if unknown:
            raise ConfigError(f"unknown config field(s) for {cls.kind}: {sorted(unknown)}")
        try:
            config = cls.config_class(**values)
        except TypeError as exc:
            raise ConfigError(f"bad config for {cls.kind}: {exc}") from exc
        return cls(config)


def has_capability(model: Any, capability: str) -> bool:
    """Whether ``model`` (an instance or a class) offers ``capability``."""
    return capability in getattr(model, "capabilities", frozenset())


def ensure_finite(values: Mapping[str, float], family: str, where: str, hint: str = "") -> None:
    """Raise :class:`TrainingDiverged` if any value is NaN or ±inf, naming it and ``where``
    (e.g. "epoch 3, batch 17"); ``hint`` says what to change."""
    for name, value in values.items():
        if not math.isfinite(float(value)):
            raise TrainingDiverged(
                f"{family} training diverged at {where}: {name} is {float(value)}"
                + (f"; {hint}" if hint else "")
            )


@contextmanager
def seeded_global_rng(seed: int) -> Iterator[None]:
    """Seed torch's global generators for the block only, then restore them.

    For what takes no ``generator`` argument (``nn.Module`` weight initialisation): the block
    draws the same numbers ``torch.manual_seed(seed)`` would give, and nobody else's stream moves.
    """
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(seed)  # modules are built on the CPU
        yield


class GlobalRNGState:
    """A private copy of torch's global random state, swapped in around :meth:`active` blocks.

    For ``nn.Dropout`` masks, which draw from the global generator: a trainer keeps one, so its
    masks are the stream that ``torch.manual_seed(seed)`` once gave, without seeding globally.
    """

    def __init__(self, seed: int, device: torch.device) -> None:
        self.device = device
        self._cuda = device.type == "cuda"
        self._cpu_state = torch.Generator().manual_seed(seed).get_state()
        self._cuda_state = None
        if self._cuda:
            with torch.random.fork_rng(devices=self._devices()), torch.cuda.device(device):
                torch.cuda.manual_seed(seed)
                self._cuda_state = torch.cuda.get_rng_state(device)

    def _devices(self) -> list[int]:
        return [self.device.index or 0] if self._cuda else []

    @contextmanager
    def active(self) -> Iterator[None]:
        with torch.random.fork_rng(devices=self._devices()):
            torch.set_rng_state(self._cpu_state)
            if self._cuda:
                torch.cuda.set_rng_state(self._cuda_state, self.device)
            yield
            self._cpu_state = torch.get_rng_state()
            if self._cuda:
                self._cuda_state = torch.cuda.get_rng_state(self.device)
