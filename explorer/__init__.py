"""Generative Models Explorer: deep generative models and the apps that show how they think.

The one way in for shipped weights is :func:`load_pretrained`; :func:`list_pretrained` lists them.
"""

from __future__ import annotations

from typing import Any

from explorer.version import __version__

__all__ = ["__version__", "load_pretrained", "list_pretrained"]


def load_pretrained(name_or_path: str, device: str = "auto") -> Any:
    """Load a shipped (or any saved) model by name or path; see :mod:`explorer.weights`."""
    from explorer.weights import load_pretrained as _load

    return _load(name_or_path, device=device)


def list_pretrained() -> list[tuple[str, dict]]:
    """The shipped models as ``(name, card)`` pairs; see :mod:`explorer.weights`."""
    from explorer.weights import list_pretrained as _list

    return _list()
