"""Weights on disk: ``<name>.safetensors`` (tensors, no pickle) + ``<name>.json`` (the card).

The card says what the tensors are: model kind and full config, the tensors' names and shapes,
the data set, split and binarization, training epochs and seed, metrics measured at save time,
the package version and the sha256 of the weights file. :func:`load_pretrained` checks all of
it before building the model, and any mismatch raises :class:`WeightsError` naming the file and
the field. Both files are written atomically (a temp file in the same folder, then a rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from explorer.device import resolve_device
from explorer.errors import ConfigError, WeightsError
from explorer.version import __version__

FORMAT_VERSION = 1
CARD_FIELDS = ("format_version", "name", "kind", "config", "tensors", "sha256")


def pretrained_dir() -> Path:
    """Where shipped weights live: ``$EXPLORER_PRETRAINED`` or the repository's ``pretrained/``."""
    env = os.environ.get("EXPLORER_PRETRAINED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "pretrained"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_model(
    model: Any,
    out_dir: str | Path,
    name: str,
    *,
    data: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Save ``model`` as ``out_dir/name.safetensors`` + ``name.json``; return the card path."""
    from safetensors.torch import save

    out = Path(out_dir)
    tensors = {k: v.detach().to("cpu").contiguous() for k, v in model.state_dict().items()}
    blob = save(tensors, metadata={"kind": model.kind, "name": name})
    weights_path = out / f"{name}.safetensors"
    atomic_write_bytes(weights_path, blob)
    card = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "kind": model.kind,
        "config": model.config_dict(),
        "tensors": {k: list(v.shape) for k, v in tensors.items()},
        "dtype": "float32",
        "data": data or {},
        "training": training or {},
        "metrics": metrics or {},
        "package_version": __version__,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sha256": hashlib.sha256(blob).hexdigest(),
    }
    card_path = out / f"{name}.json"
    atomic_write_bytes(card_path, (json.dumps(card, indent=2) + "\n").encode())
    return card_path


def resolve_paths(name_or_path: str | Path) -> tuple[Path, Path]:
    """``(weights, card)`` paths for a shipped name, a stem, or either file's path."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".safetensors", ".json"):
        stem = path.with_suffix("")
    elif os.sep in text or path.exists() or path.with_suffix(".json").exists():
        stem = path
    else:
        stem = pretrained_dir() / text
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def read_card(card_path: Path) -> dict[str, Any]:
    """Parse and check a card's required fields."""
    if not card_path.is_file():
        raise WeightsError(f"{card_path}: card not found (every weights file needs its .json card)")
    try:
        card = json.loads(card_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WeightsError(f"{card_path}: not a valid JSON card ({exc})") from exc
    if not isinstance(card, dict):
        raise WeightsError(f"{card_path}: a card must be a JSON object")
    for field in CARD_FIELDS:
        if field not in card:
            raise WeightsError(f"{card_path}: field '{field}' is missing from the card")
    if not isinstance(card["format_version"], int) or card["format_version"] > FORMAT_VERSION:
        raise WeightsError(
            f"{card_path}: field 'format_version' is {card['format_version']!r}; this version "
            f"of the package reads format ≤ {FORMAT_VERSION} (upgrade the package)"
        )
    return card


def load_pretrained(
    name_or_path: str | Path, device: str = "auto", expected_kind: str | None = None
) -> Any:
    """Load a model by shipped name (see :func:`list_pretrained`) or by path; eval mode.

    Checks, in order: both files exist; the card parses and has its fields; the kind is known
    (and is ``expected_kind`` if given); the file's sha256 equals the card's; the safetensors
    header parses; the tensors' names and shapes equal both the card's and those of the model
    the card's config builds. Any failure raises :class:`WeightsError` naming file and field.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load

    from explorer.models import get_model_class

    weights_path, card_path = resolve_paths(name_or_path)
    card = read_card(card_path)
    if not weights_path.is_file():
        raise WeightsError(f"{weights_path}: weights file not found (its card is {card_path})")
    kind = card["kind"]
    if expected_kind is not None and kind != expected_kind:
        raise WeightsError(f"{card_path}: field 'kind' is {kind!r}, expected {expected_kind!r}")
    try:
        model_class = get_model_class(kind)
        model = model_class.from_config_dict(card["config"])
    except ConfigError as exc:
        raise WeightsError(
            f"{card_path}: field 'kind'/'config' does not build a model: {exc}"
        ) from exc
    blob = weights_path.read_bytes()
    actual = hashlib.sha256(blob).hexdigest()
    if actual != card["sha256"]:
        raise WeightsError(
            f"{weights_path}: sha256 {actual[:12]}… does not match field 'sha256' of {card_path} "
            f"({str(card['sha256'])[:12]}…): the file is truncated, modified or from another run"
        )
    try:
        tensors = load(blob)
    except (SafetensorError, Exception) as exc:  # noqa: BLE001 - any parse failure is the file's
        raise WeightsError(f"{weights_path}: not a readable safetensors file ({exc})") from exc
    expected = {k: list(v.shape) for k, v in model.state_dict().items()}
    card_shapes = card["tensors"]
    for key, shape in expected.items():
        if key not in card_shapes:
            raise WeightsError(f"{card_path}: field 'tensors.{key}' is missing")
        if list(card_shapes[key]) != shape:
            raise WeightsError(
                f"{card_path}: field 'tensors.{key}' is {card_shapes[key]} but the card's config "
                f"builds {shape}"
            )
        if key not in tensors:
            raise WeightsError(f"{weights_path}: tensor '{key}' is missing")
        if list(tensors[key].shape) != shape:
            raise WeightsError(
                f"{weights_path}: tensor '{key}' has shape {list(tensors[key].shape)}, "
                f"expected {shape} (field 'tensors.{key}' of the card)"
            )
    extra = sorted(set(tensors) - set(expected))
    if extra:
        raise WeightsError(f"{weights_path}: unexpected tensors {extra} for kind {kind!r}")
    for key, value in tensors.items():
        if not torch.isfinite(value).all():
            raise WeightsError(f"{weights_path}: tensor '{key}' holds NaN or infinite values")
    model.load_state_dict(tensors)
    model.to(resolve_device(device)).eval()
    model.card = card
    return model


def list_pretrained(folder: str | Path | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``(name, card)`` for each card in the pretrained folder, sorted by name.

    A card that cannot be read is listed with ``{"error": message}`` rather than hidden.
    """
    root = Path(folder) if folder is not None else pretrained_dir()
    entries = []
    for card_path in sorted(root.glob("*.json")):
        try:
            entries.append((card_path.stem, read_card(card_path)))
        except WeightsError as exc:
            entries.append((card_path.stem, {"error": str(exc)}))
    return entries
