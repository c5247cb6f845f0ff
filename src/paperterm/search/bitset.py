"""Sets of papers as Python ints used as bitsets (bit ``r`` set = the paper of rank ``r`` is in).

Why ints: intersecting, uniting and subtracting sets of 100,000 papers is then one C-level operation
of a few microseconds (``a & b``, ``a | b``, ``a & ~b``), with no per-paper Python work; the expensive
steps are only the conversions between a bitset and the papers in it, which numpy does at C speed
(a few tens of microseconds at 100,000 papers, whatever the number of members):

- positions -> bitset: the positions set in a byte mask (one numpy scatter), packed to bits
  (``numpy.packbits``) and read as a little-endian number (``int.from_bytes``);
- bitset -> ranks: the number's bytes unpacked to one byte per rank (``numpy.unpackbits``) and the
  set ones found (``numpy.flatnonzero``); ``select`` then gathers the items with one ``take``.

numpy is imported on first use, not with this module: the reader imports the search package at
start-up, and numpy's ~100 ms import belongs to the first search or the index's warm-up
(``SearchIndex.warm``), which runs after the first frame.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence

_MASK_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_DIGITS_TO_MASK = bytes.maketrans(b"01", b"\x00\x01")


def _from_byte_mask(mask) -> int:
    """The bitset of a numpy byte mask (non-zero = in)."""
    import numpy as np

    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def from_positions(positions: Iterable[int], size: int) -> int:
    """The bitset holding ``positions`` (each ``0 <= p < size``)."""
    import numpy as np

    if isinstance(positions, array):
        index = np.frombuffer(positions, dtype=np.dtype(positions.typecode)) if positions \
            else np.empty(0, np.intp)
    else:
        index = np.fromiter(positions, dtype=np.intp)
    mask = np.zeros(size, np.uint8)
    mask[index] = 1
    return _from_byte_mask(mask)


def from_mask(mask: bytes | bytearray) -> int:
    """The bitset of a byte mask (``mask[r]`` true = rank ``r`` in); mask bytes must be 0 or 1."""
    if not mask:
        return 0
    import numpy as np

    return _from_byte_mask(np.frombuffer(mask, np.uint8))


def to_mask(bits: int) -> bytes:
    """A byte mask (``b"\\x00"``/``b"\\x01"`` per rank, from rank 0) for ``itertools.compress``.

    It ends at the highest member, which is fine: ``compress`` stops at the shorter input.
    """
    if not bits:
        return b""
    return bin(bits)[:1:-1].encode("ascii").translate(_DIGITS_TO_MASK)


def rank_array(bits: int, limit: int | None = None):
    """The ranks in ``bits``, in increasing order (at most ``limit``), as a numpy array."""
    import numpy as np

    if bits <= 0:
        return np.empty(0, np.intp)
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    found = np.flatnonzero(np.unpackbits(np.frombuffer(data, np.uint8), bitorder="little"))
    return found if limit is None else found[:limit]


def select(items: Sequence, bits: int, limit: int | None = None) -> list:
    """``items[r]`` for every rank ``r`` in ``bits``, in rank order (at most ``limit`` of them).
    ``items`` may be a list, an ``array`` or a numpy array (fastest: one ``take``)."""
    import numpy as np

    found = rank_array(bits, limit)
    if isinstance(items, np.ndarray):
        return items[found].tolist()
    if isinstance(items, array):
        return np.frombuffer(items, dtype=np.dtype(items.typecode))[found].tolist() \
            if len(found) else []
    return list(map(items.__getitem__, found.tolist()))


def ranks(bits: int, limit: int | None = None) -> Iterator[int]:
    """The ranks in ``bits``, in increasing order (at most ``limit`` of them)."""
    return iter(rank_array(bits, limit).tolist())


def full(size: int) -> int:
    """The bitset of every rank below ``size``."""
    return (1 << size) - 1
