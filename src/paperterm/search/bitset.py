"""Sets of papers as Python ints used as bitsets (bit ``r`` set = the paper of rank ``r`` is in).

Why ints: intersecting, uniting and subtracting sets of 100,000 papers is then one C-level operation
of a few microseconds (``a & b``, ``a | b``, ``a & ~b``), with no per-paper Python work; the expensive
steps are only the conversions between a bitset and the papers in it, which these helpers keep at C
speed too:

- positions -> bitset: set bytes in a ``bytearray`` (one byte per paper), then read it as a base-2
  number (``int(bytes, 2)`` is linear for power-of-two bases);
- bitset -> selection mask: ``bin()`` (also linear), reversed and translated to ``b"\\x00"``/
  ``b"\\x01"`` bytes that ``itertools.compress`` uses to pick items in rank order;
- a *sparse* bitset (a few thousand members among 100,000) is instead read byte by byte: only its
  non-zero bytes are visited, which beats walking a mask of every rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import compress, islice

_MASK_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_DIGITS_TO_MASK = bytes.maketrans(b"01", b"\x00\x01")


def from_positions(positions: Iterable[int], size: int) -> int:
    """The bitset holding ``positions`` (each ``0 <= p < size``)."""
    mask = bytearray(size)
    for p in positions:
        mask[p] = 1
    return from_mask(mask)


def from_mask(mask: bytes | bytearray) -> int:
    """The bitset of a byte mask (``mask[r]`` true = rank ``r`` in); mask bytes must be 0 or 1."""
    if not mask:
        return 0
    return int(mask.translate(_MASK_TO_DIGITS)[::-1], 2)


def to_mask(bits: int) -> bytes:
    """A byte mask (``b"\\x00"``/``b"\\x01"`` per rank, from rank 0) for ``itertools.compress``.

    It ends at the highest member, which is fine: ``compress`` stops at the shorter input.
    """
    if not bits:
        return b""
    return bin(bits)[:1:-1].encode("ascii").translate(_DIGITS_TO_MASK)


#: A bitset with fewer than one member per SPARSE_SPAN ranks is read byte by byte.
SPARSE_SPAN = 25
# The bit offsets set in each byte value.
_BIT_OFFSETS = [tuple(i for i in range(8) if value >> i & 1) for value in range(256)]


def _is_sparse(bits: int) -> bool:
    return bits.bit_count() * SPARSE_SPAN <= bits.bit_length()


def _sparse_ranks(bits: int) -> list[int]:
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    found: list[int] = []
    append = found.append
    for index in compress(range(len(data)), data):
        base = index << 3
        for offset in _BIT_OFFSETS[data[index]]:
            append(base + offset)
    return found


def select(items: Sequence, bits: int, limit: int | None = None) -> list:
    """``items[r]`` for every rank ``r`` in ``bits``, in rank order (at most ``limit`` of them)."""
    if _is_sparse(bits):
        return [items[r] for r in _sparse_ranks(bits)[:limit]]
    selected = compress(items, to_mask(bits))
    if limit is not None:
        selected = islice(selected, limit)
    return list(selected)


def ranks(bits: int, limit: int | None = None) -> Iterator[int]:
    """The ranks in ``bits``, in increasing order (at most ``limit`` of them)."""
    if _is_sparse(bits):
        return iter(_sparse_ranks(bits)[:limit])
    selected = compress(range(bits.bit_length()), to_mask(bits))
    return islice(selected, limit) if limit is not None else selected


def full(size: int) -> int:
    """The bitset of every rank below ``size``."""
    return (1 << size) - 1
