"""Digits to pictures: tiling and a small PNG encoder (no imaging library needed)."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def to_uint8(images: np.ndarray) -> np.ndarray:
    """[0, 1] floats (or {0,1}) to uint8 0..255, clipped."""
    return (np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def tile(images: np.ndarray, n_cols: int = 10, side: int = 28, gap: int = 2) -> np.ndarray:
    """(N, side*side) images in [0, 1] to one (H, W) grid with ``gap`` pixels between cells."""
    images = np.asarray(images).reshape(-1, side, side)
    n = len(images)
    n_cols = max(1, min(n_cols, n))
    n_rows = -(-n // n_cols)
    grid = np.ones((n_rows * (side + gap) - gap, n_cols * (side + gap) - gap), np.float32) * 0.5
    for i, image in enumerate(images):
        r, c = divmod(i, n_cols)
        grid[
            r * (side + gap) : r * (side + gap) + side, c * (side + gap) : c * (side + gap) + side
        ] = image
    return grid


def png_bytes(image: np.ndarray) -> bytes:
    """Encode a (H, W) grey or (H, W, 3) RGB image (uint8, or floats in [0, 1]) as PNG."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = to_uint8(array)
    if array.ndim == 2:
        colour_type, channels = 0, 1
    elif array.ndim == 3 and array.shape[2] == 3:
        colour_type, channels = 2, 3
    else:
        raise ValueError(f"png_bytes needs (H, W) or (H, W, 3), got {array.shape}")
    height, width = array.shape[:2]
    rows = array.reshape(height, width * channels)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
