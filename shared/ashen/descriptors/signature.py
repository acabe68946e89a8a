"""The Signature value object: 33 Color Layout values, a 21-byte binary form and LIRE's distance.

In the spirit of imagehash: ``str(sig)`` is hex, ``Signature.from_hex`` parses it back and
``a - b`` is the distance between two signatures.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ashen.descriptors.color_layout import C_COEFFS, VALUE_COUNT, Y_COEFFS, color_layout

# Bit widths of the packed form: each DC term takes 6 bits, each AC term 5 bits (168 bits = 21 bytes).
_DC_POSITIONS = (0, Y_COEFFS, Y_COEFFS + C_COEFFS)
BIT_WIDTHS = np.array([6 if i in _DC_POSITIONS else 5 for i in range(VALUE_COUNT)], dtype=np.int64)
PACKED_SIZE = int(BIT_WIDTHS.sum()) // 8  # 21
_MAXIMA = (1 << BIT_WIDTHS) - 1

# LIRE's weights: the low-frequency terms carry most of what the eye sees.
_WEIGHTS_Y = np.array([2, 2, 2] + [1] * (Y_COEFFS - 3), dtype=np.float64)
_WEIGHTS_CB = np.array([2] + [1] * (C_COEFFS - 1), dtype=np.float64)
_WEIGHTS_CR = np.array([4, 2, 2] + [1] * (C_COEFFS - 3), dtype=np.float64)

# A query with no colour (a grayscale release, a black-and-white print) is compared on its 21 Y
# values alone: its Y distance times LUMA_ONLY_SCALE stands for the whole distance. Between scenes
# of different videos the Y part is about a third of LIRE's distance (median 3.3x over 18,133
# scenes of the benchmark sets), so unrelated pictures stay as far apart as in colour.
LUMA_ONLY_SCALE = 3.0

# Similarity = max(0, 1 - distance / SIMILARITY_SCALE). Re-encodes of one frame land at distance
# 0-4 (similarity >= 0.9); unrelated frames mostly lie beyond 40 (similarity 0). See README.
SIMILARITY_SCALE = 40.0


def distances(query: npt.ArrayLike, candidates: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """LIRE's weighted CLD distance between one (33,) query and (N, 33) candidates (or pairs that broadcast)."""
    q = np.asarray(query, dtype=np.float64)
    c = np.asarray(candidates, dtype=np.float64)
    d2 = (q - c) ** 2
    y = d2[..., :Y_COEFFS] @ _WEIGHTS_Y
    cb = d2[..., Y_COEFFS : Y_COEFFS + C_COEFFS] @ _WEIGHTS_CB
    cr = d2[..., Y_COEFFS + C_COEFFS :] @ _WEIGHTS_CR
    return np.sqrt(y) + np.sqrt(cb) + np.sqrt(cr)


def luma_distances(query: npt.ArrayLike, candidates: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """``distances`` on the Y values alone, times LUMA_ONLY_SCALE: for a query with no colour."""
    q = np.asarray(query, dtype=np.float64)[..., :Y_COEFFS]
    c = np.asarray(candidates, dtype=np.float64)[..., :Y_COEFFS]
    return np.asarray(LUMA_ONLY_SCALE * np.sqrt(((q - c) ** 2) @ _WEIGHTS_Y), dtype=np.float64)


def similarity_of(distance: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Map a distance to a similarity in [0, 1] (1 = identical)."""
    return np.clip(1.0 - np.asarray(distance, dtype=np.float64) / SIMILARITY_SCALE, 0.0, 1.0)


def pack(values: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """(..., 33) values -> (..., 21) bytes, MSB first."""
    v = np.asarray(values, dtype=np.int64)
    if v.shape[-1] != VALUE_COUNT:
        raise ValueError(f"a signature has {VALUE_COUNT} values, got {v.shape[-1]}")
    if np.any(v < 0) or np.any(v > _MAXIMA):
        raise ValueError("signature value out of range (DC terms take 0..63, AC terms 0..31)")
    bits = [((v[..., i, None] >> np.arange(w - 1, -1, -1)) & 1) for i, w in enumerate(BIT_WIDTHS)]
    return np.packbits(np.concatenate(bits, axis=-1).astype(np.uint8), axis=-1)


def unpack(packed: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """(..., 21) bytes -> (..., 33) values."""
    p = np.asarray(packed, dtype=np.uint8)
    if p.shape[-1] != PACKED_SIZE:
        raise ValueError(f"a packed signature is {PACKED_SIZE} bytes, got {p.shape[-1]}")
    bits = np.unpackbits(p, axis=-1).astype(np.int64)
    out = np.zeros((*p.shape[:-1], VALUE_COUNT), dtype=np.int64)
    pos = 0
    for i, w in enumerate(BIT_WIDTHS):
        for _ in range(w):
            out[..., i] = (out[..., i] << 1) | bits[..., pos]
            pos += 1
    return out.astype(np.uint8)


def unpack_all(packed: Iterable[bytes]) -> npt.NDArray[np.uint8]:
    """Many packed signatures (21 bytes each, as stores hold them) -> (N, 33) values."""
    return unpack(np.frombuffer(b"".join(packed), dtype=np.uint8).reshape(-1, PACKED_SIZE))


class Signature:
    """An immutable Color Layout signature."""

    __slots__ = ("_values",)

    def __init__(self, values: Iterable[int]) -> None:
        try:
            arr = np.array(list(values), dtype=np.int64)
        except OverflowError:  # a number past int64 is out of every value's range
            raise ValueError("a signature value is out of range") from None
        if arr.shape != (VALUE_COUNT,):
            raise ValueError(f"a signature has {VALUE_COUNT} values, got {arr.shape[0] if arr.ndim else 0}")
        pack(arr)  # validates ranges
        self._values = tuple(int(x) for x in arr)

    @classmethod
    def of_image(cls, rgb: npt.NDArray[np.integer]) -> Signature:
        return cls(color_layout(rgb))

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        if len(data) != PACKED_SIZE:
            raise ValueError(f"a packed signature is {PACKED_SIZE} bytes, got {len(data)}")
        return cls(unpack(np.frombuffer(data, dtype=np.uint8)).tolist())

    @classmethod
    def from_hex(cls, text: str) -> Signature:
        text = text.strip()
        if len(text) != 2 * PACKED_SIZE:
            raise ValueError(f"a signature is {2 * PACKED_SIZE} hex digits, got {len(text)}")
        try:
            data = bytes.fromhex(text)
        except ValueError:
            raise ValueError("a signature must be hexadecimal") from None
        return cls.from_bytes(data)

    @property
    def values(self) -> tuple[int, ...]:
        return self._values

    @property
    def array(self) -> npt.NDArray[np.uint8]:
        return np.array(self._values, dtype=np.uint8)

    def to_bytes(self) -> bytes:
        return pack(self._values).tobytes()

    def distance(self, other: Signature | Sequence[int]) -> float:
        other_values = other.values if isinstance(other, Signature) else other
        return float(distances(self._values, other_values))

    def similarity(self, other: Signature | Sequence[int]) -> float:
        return float(similarity_of(self.distance(other)))

    def __sub__(self, other: Signature) -> float:
        if not isinstance(other, Signature):
            return NotImplemented
        return self.distance(other)

    def __str__(self) -> str:
        return self.to_bytes().hex()

    def __repr__(self) -> str:
        return f"Signature('{self}')"

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Signature) and self._values == other._values

    def __hash__(self) -> int:
        return hash(self._values)

    def __len__(self) -> int:
        return VALUE_COUNT
