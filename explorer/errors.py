"""The errors the package raises on bad input. Each message names the file or value and what was
expected, so the CLI and the apps can show it as one friendly line."""


class ExplorerError(Exception):
    """Base class: a problem a user can fix (a bad file, name or value), never a bug."""


class DataError(ExplorerError):
    """A data file is missing or malformed."""


class WeightsError(ExplorerError):
    """A weights file or its card is missing, truncated, tampered with, or does not match."""


class ConfigError(ExplorerError, ValueError):
    """A configuration value is out of range."""


class TrainingDiverged(ExplorerError):
    """A training run produced NaN/inf (or ran away): the message names the step and the metric."""
