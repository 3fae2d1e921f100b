"""Device choice: ``auto`` is CUDA when present, else the CPU."""

from __future__ import annotations

import torch

from explorer.errors import ConfigError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn ``"auto" | "cpu" | "cuda" | "cuda:N"`` into a :class:`torch.device`."""
    if isinstance(device, torch.device):
        return device
    name = str(device).strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(f"device {device!r} asked for, but no CUDA device is available here")
        return torch.device(name)
    raise ConfigError(f"unknown device {device!r}: expected 'auto', 'cpu' or 'cuda'")
