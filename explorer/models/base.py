"""What every model shares: a ``kind``, a validated ``@dataclass`` config, and a registry so a
weights card can rebuild the model it describes (see :mod:`explorer.weights`)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from torch import nn

from explorer.errors import ConfigError

MODEL_KINDS: dict[str, type[ExplorerModel]] = {}


class ExplorerModel(nn.Module):
    """Base class: ``kind`` names the family on the card, ``config_class`` its config dataclass."""

    kind: ClassVar[str] = ""
    config_class: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            MODEL_KINDS[cls.kind] = cls

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


def get_model_class(kind: str) -> type[ExplorerModel]:
    """The model class registered for ``kind``; imports every family first."""
    import explorer.models  # noqa: F401 - registers the families

    if kind not in MODEL_KINDS:
        raise ConfigError(f"unknown model kind {kind!r}; known: {sorted(MODEL_KINDS)}")
    return MODEL_KINDS[kind]
