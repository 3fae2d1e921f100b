"""How pictures cross the wire to anywidget canvases: the one bytes helper of the Python side,
and the one loader of widget ES modules (each gets ``static/bytes.js``, the JS side's helpers).

Images cross as ``bytes`` (one uint8 per pixel), never as JSON lists. Bytes traits carry
ipywidgets' bytes serialization (``BYTES``), since a plain ``Bytes`` trait rejects the
memoryview that arrives from the browser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from ipywidgets.widgets.trait_types import bytes_serialization

from explorer.errors import ConfigError
from explorer.imaging import to_uint8

STATIC = Path(__file__).parent / "static"
BYTES = bytes_serialization  # tag(sync=True, **BYTES) on every bytes trait


def esm(*names: str) -> str:
    """A widget's ES module: ``bytes.js``, then each named file of ``static/`` in order."""
    return "\n".join((STATIC / name).read_text() for name in ("bytes.js", *names))


def image_bytes(values: np.ndarray, n: int | None = None, what: str = "the picture") -> bytes:
    """Values in [0, 1] (or uint8) to one uint8 per value, row-major; ``n`` checks the size."""
    array = np.asarray(values)
    if n is not None and array.size != n:
        raise ConfigError(f"{what} needs {n} values, got {array.size}")
    if array.dtype != np.uint8:
        array = to_uint8(array)
    return array.reshape(-1).tobytes()


def float32_bytes(values: object, columns: int | None = None, what: str = "the points") -> bytes:
    """Values (numpy or torch) as float32 bytes, row-major; ``columns`` checks an (n, columns)
    shape (e.g. 2 for points in the plane). The browser reads them with ``toF32`` (bytes.js)."""
    array = np.asarray(values, dtype=np.float32)
    if columns is not None and (array.ndim != 2 or array.shape[1] != columns):
        raise ConfigError(f"{what} must have shape (n, {columns}), got {array.shape}")
    return np.ascontiguousarray(array).reshape(-1).tobytes()


def from_float32_bytes(value: object, columns: int = 2) -> np.ndarray:
    """Float32 bytes (as they arrive, memoryview or bytes) back to an (n, columns) array."""
    return np.frombuffer(from_wire(value), dtype=np.float32).reshape(-1, columns).copy()


def from_wire(value: object) -> bytes:
    """A bytes trait's value as it may arrive (memoryview from the browser, bytes) -> bytes."""
    if isinstance(value, memoryview):
        return value.tobytes()
    return bytes(value)  # type: ignore[arg-type]
