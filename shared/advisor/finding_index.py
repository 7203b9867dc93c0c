"""A report's finding index: each row's finding (identity.finding_key) as a 64-bit number that
is the same in every process, with the row's line, in row order.

The summary keeps one beside every report, so the next report of the client is compared with
it without reading the baseline's rows: of a 190,000-row baseline only the index (12 bytes a
row) and the few rows whose findings were resolved are read, not 83 MB of rows decoded (about
2 of the summary's 6 seconds of work; docs/scale.md). Python's own hash() of a text differs
from one process to the next, so the number is the first 8 bytes of the key's BLAKE2b digest.
"""

from __future__ import annotations

import io
from array import array
from collections.abc import Iterable
from hashlib import blake2b
from typing import Any, NamedTuple

from shared.advisor.identity import finding_key
from shared.advisor.model import Recommendation

# What an index's numbers mean; an index of another version is not compared with.
VERSION = "blake2b-64/1"
# Between the key's two parts: whitespace, which a normalised recommendation text never holds
# (its runs of whitespace become one space), so no two keys join into the same text.
_SEPARATOR = "\x1f"


def finding_hash(key: tuple[str, str]) -> bytes:
    """A finding key's 8 bytes (little-endian, read as a signed 64-bit number)."""
    return blake2b(f"{key[0]}{_SEPARATOR}{key[1]}".encode(), digest_size=8).digest()


def finding_hashes(records: Iterable[Recommendation]) -> Any:
    """Each row's finding as its number (an int64 array)."""
    import numpy as np  # loaded when a report is compared, not with every worker

    return np.frombuffer(b"".join(finding_hash(finding_key(r)) for r in records), "<i8")


class FindingIndex:
    """The finding numbers and lines of rows added in row order (`add`, with the key the
    caller worked out anyway: the action plan does for every row), and the blob they are
    kept in. `rules`: which exclusion rules chose the rows (exclusions.rules_fingerprint);
    the index serves only a comparison that applies the same."""

    def __init__(self, rules: str = "") -> None:
        self.rules = rules
        self._hashes = bytearray()
        self._lines = array("q")

    def add(self, key: tuple[str, str], line: int) -> None:
        self._hashes += finding_hash(key)
        self._lines.append(line)

    def hashes(self) -> Any:
        """The numbers (an int64 array over the index's own buffer: add no rows after)."""
        import numpy as np

        return np.frombuffer(self._hashes, "<i8")

    def lines(self) -> Any:
        import numpy as np

        return np.frombuffer(self._lines, np.int64)

    def to_bytes(self) -> bytes:
        """The index as a NumPy .npz file (read back without pickle: see read_index)."""
        import numpy as np

        out = io.BytesIO()
        np.savez(out, hashes=self.hashes(), lines=self.lines(), version=np.array(VERSION),
                 rules=np.array(self.rules))
        return out.getvalue()

    def __len__(self) -> int:
        return len(self._lines)


class StoredIndex(NamedTuple):
    """A finding index as read back: its numbers and lines (int64 arrays) and rules."""

    hashes: Any
    lines: Any
    rules: str


def read_index(data: bytes) -> StoredIndex | None:
    """The index FindingIndex.to_bytes wrote, or None when it is of another version or is
    not one."""
    import numpy as np

    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            if str(stored["version"]) != VERSION:
                return None
            index = StoredIndex(stored["hashes"], stored["lines"], str(stored["rules"]))
    except (OSError, ValueError, KeyError):
        return None
    if index.hashes.dtype != np.dtype("<i8") or index.lines.dtype != np.int64 \
            or index.hashes.shape != index.lines.shape or index.hashes.ndim != 1:
        return None
    return index
