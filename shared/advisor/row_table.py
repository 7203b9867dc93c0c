"""A report's rows held by column, compactly, and read back as Recommendation tuples.

The summary and every render need all of a report's rows at hand. As tuples they cost about
400 bytes a row (a 20-field tuple alone is 216), 400 MB at a million rows, more than half of a
worker's memory. Held by column they cost about a fifth of that:
- a field whose values repeat (category, impact, subscription, recommendation text, amounts)
  keeps each distinct value once and a 2-byte code a row (4 bytes past 65,535 values);
- the texts that are mostly one a row (resource name, updated date) are kept as UTF-8 bytes
  end to end, with a 4-byte offset a row; a resource id's recurring beginning (subscription,
  group, type) is coded and only its name packed;
- the source line is a 4-byte number.

Rows are made when read, a batch at a time, and dropped by whoever reads them. Filtering and
sorting work on positions (4 bytes a row) and on each distinct value once, never on rows made
for the purpose: a view of a table is the table's columns and an array of positions.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from itertools import pairwise
from typing import Any, overload

from shared.advisor.model import Recommendation

FIELDS = Recommendation._fields
_PACKED = ("resource_name", "updated")  # mostly one value a row
_make = partial(tuple.__new__, Recommendation)
BATCH = 4096  # rows made at a time when a table is read through
WINDOW = 256  # rows made at a time when they are asked for one by one (a page's table rows)
# Up to this many rows a table also keeps them made (about 400 bytes a row, 24 MB at most):
# making a row from its columns costs some 2 microseconds, and the reports of a small export
# go over their rows a few dozen times; reading through 5,000 rows stays as fast as a list.
KEEP_MADE = 60_000


class _Coded:
    """A column of repeating values: each distinct value once, a code a row."""

    __slots__ = ("codes", "index", "values")

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.index: dict[Any, int] = {}
        self.codes = array("H")

    def add(self, value: Any, key: Any) -> None:
        code = self.index.get(key)
        if code is None:
            code = self.index[key] = len(self.values)
            self.values.append(value)
            if code == 65_536:
                self.codes = array("I", self.codes)
        self.codes.append(code)

    def done(self) -> None:
        self.index = {}  # only needed while adding

    def read(self, positions: Iterable[int]) -> Iterator[Any]:
        return map(self.values.__getitem__, map(self.codes.__getitem__, positions))


class _Packed:
    """A column of mostly distinct texts: UTF-8 end to end, and where each one ends."""

    __slots__ = ("data", "ends")

    def __init__(self) -> None:
        self.data = bytearray()
        self.ends = array("I", [0])

    def add(self, value: str, key: Any) -> None:
        self.data += value.encode("utf-8")
        self.ends.append(len(self.data))

    def done(self) -> None:
        pass

    def read(self, positions: Iterable[int]) -> Iterator[str]:
        data, ends = self.data, self.ends
        return (data[ends[p]:ends[p + 1]].decode("utf-8") for p in positions)


class _Paths:
    """A column of mostly distinct paths whose beginnings recur: an ARM id's subscription,
    group and type repeat row after row, its name does not. The part up to the last "/" is
    coded as a repeating value is and the rest packed: some 20 bytes a row instead of 120."""

    __slots__ = ("heads", "tails")

    def __init__(self) -> None:
        self.heads = _Coded()
        self.tails = _Packed()

    def add(self, value: str, key: Any) -> None:
        cut = value.rfind("/") + 1
        head = value[:cut]
        self.heads.add(head, head)
        self.tails.add(value[cut:], None)

    def done(self) -> None:
        self.heads.done()

    def read(self, positions: Sequence[int]) -> Iterator[str]:
        return map(str.__add__, self.heads.read(positions), self.tails.read(positions))


class _Lines:
    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines = array("I")

    def add(self, value: int, key: Any) -> None:
        self.lines.append(value)

    def done(self) -> None:
        pass

    def read(self, positions: Iterable[int]) -> Iterator[int]:
        return map(self.lines.__getitem__, positions)


def _column(name: str) -> _Coded | _Packed | _Paths | _Lines:
    if name == "line":
        return _Lines()
    if name == "given_resource_id":
        return _Paths()
    return _Packed() if name in _PACKED else _Coded()


def _key(field: str) -> Callable[[Any], Any]:
    """What makes two values of a coded field the same value: equal strings are; amounts are
    when they are written alike (Decimal 5 and 5.00 are equal but print differently); extra
    columns when they hold the same items."""
    if field == "annual_savings":
        return lambda v: v if v is None else str(v)
    if field == "extra":
        return lambda v: tuple(v.items())
    return lambda v: v


class _Columns:
    """The columns of a table's rows, in the order the rows were added."""

    def __init__(self) -> None:
        self.columns = [_column(name) for name in FIELDS]
        self._adders = [(column.add, _key(name)) for column, name in zip(self.columns, FIELDS,
                                                                         strict=True)]
        self.count = 0
        self.made: list[Recommendation] | None = []  # the rows themselves, while few

    def add(self, rec: Recommendation) -> None:
        for (add, key), value in zip(self._adders, rec, strict=True):
            add(value, key(value))
        self.count += 1
        if self.made is not None:
            self.made.append(rec)
            if self.count > KEEP_MADE:
                self.made = None

    def done(self) -> None:
        self._adders = []
        for column in self.columns:
            column.done()

    def rows(self, positions: Sequence[int]) -> Iterator[Recommendation]:
        if self.made is not None:
            return map(self.made.__getitem__, positions)
        return map(_make, zip(*(column.read(positions) for column in self.columns), strict=True))


class RowTable(Sequence[Recommendation]):
    """Rows of one report, compactly (see the module's docstring): a Sequence of
    Recommendation, and views of it that filter and sort without making rows."""

    def __init__(self, columns: _Columns, positions: array | range) -> None:
        self._columns = columns
        self._positions = positions
        # The rows made last for reading one by one: (first index, rows). Replaced whole, so
        # threads reading the same view at worst make a window twice.
        self._window: tuple[int, list[Recommendation]] = (0, [])

    @classmethod
    def build(cls, records: Iterable[Recommendation]) -> RowTable:
        builder = Builder()
        builder.extend(records)
        return builder.table()

    def __len__(self) -> int:
        return len(self._positions)

    @overload
    def __getitem__(self, index: int) -> Recommendation: ...
    @overload
    def __getitem__(self, index: slice) -> list[Recommendation]: ...
    def __getitem__(self, index: int | slice) -> Recommendation | list[Recommendation]:
        if isinstance(index, slice):
            return list(self._columns.rows(self._positions[index]))
        if self._columns.made is not None:
            return self._columns.made[self._positions[index]]
        if index < 0:
            index += len(self._positions)
        start, rows = self._window
        if not start <= index < start + len(rows):
            if not 0 <= index < len(self._positions):
                raise IndexError("row index out of range")
            start = index - index % WINDOW
            rows = list(self._columns.rows(self._positions[start:start + WINDOW]))
            self._window = (start, rows)
        return rows[index - start]

    def __iter__(self) -> Iterator[Recommendation]:
        positions = self._positions
        for start in range(0, len(positions), BATCH):
            yield from self._columns.rows(positions[start:start + BATCH])

    def values(self, field: str) -> list[Any]:
        """Each row's `field`, in this view's order, without making the rows."""
        return self._keys(field, None)

    def at(self, indexes: Iterable[int]) -> RowTable:
        """The rows at these indexes of this view, in that order (made as they are read)."""
        return self._view(map(self._positions.__getitem__, indexes))

    def _view(self, positions: Iterable[int]) -> RowTable:
        return RowTable(self._columns, array("I", positions))

    def _keys(self, field: str, key: Callable[[Any], Any] | None) -> list[Any]:
        """`key(value)` of each row's `field`, worked out once per distinct value where the
        column keeps them once."""
        column = self._columns.columns[FIELDS.index(field)]
        if isinstance(column, _Coded):
            return list(map(_by_code(column, key).__getitem__,
                            map(column.codes.__getitem__, self._positions)))
        values = column.read(self._positions)
        return list(map(key, values) if key else values)

    def where(self, field: str, test: Callable[[Any], bool]) -> RowTable:
        """The rows whose `field` passes `test`, in this view's order."""
        keep = self._keys(field, test)
        return self._view(p for p, ok in zip(self._positions, keep, strict=True) if ok)

    def where_rows(self, test: Callable[[Recommendation], bool]) -> RowTable:
        """The rows that pass `test` (made a batch at a time), in this view's order: for tests
        of several fields or of derived ones; `where` is cheaper for one stored field."""
        return self._view(p for p, rec in zip(self._positions, self, strict=True) if test(rec))

    def sorted_by(self, field: str, key: Callable[[Any], Any] | None = None,
                  reverse: bool = False) -> RowTable:
        """The rows in the order of `key(field)`; a stable sort, as list.sort (ties keep this
        view's order, also with `reverse`)."""
        column = self._columns.columns[FIELDS.index(field)]
        if isinstance(column, _Coded):
            return self._view(self._bucket_sort(column, key, reverse))
        if key is None and not reverse and all(
                a <= b for a, b in pairwise(column.read(self._positions))):
            return self  # already in order (a report's rows come in line order)
        if key is None and isinstance(column, _Lines):
            return RowTable(self._columns, _line_order(column.lines, self._positions, reverse))
        keys = self._keys(field, key)
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=reverse)
        del keys
        positions = self._positions
        return self._view(map(positions.__getitem__, order))

    def _bucket_sort(self, column: _Coded, key: Callable[[Any], Any] | None,
                     reverse: bool) -> Iterator[int]:
        """Positions in key order for a field of few distinct values: each position into its
        key's bucket in this view's order, the buckets in key order. No object a row (sorting
        positions by key made an int and a key reference each: 44 MB at a million rows)."""
        keys = _by_code(column, key)
        distinct = sorted(set(keys), reverse=reverse)
        rank = {k: n for n, k in enumerate(distinct)}
        bucket_of = [rank[k] for k in keys]  # by code
        buckets = [array("I") for _ in distinct]
        appends = [b.append for b in buckets]
        codes = column.codes
        for position in self._positions:
            appends[bucket_of[codes[position]]](position)
        for bucket in buckets:
            yield from bucket

    def runs(self, field: str) -> Iterator[tuple[Any, RowTable]]:
        """(value, rows) for each run of consecutive rows with the same `field`: a grouping of
        rows already sorted by it."""
        keys = self._keys(field, None)
        start = 0
        for end in range(1, len(keys) + 1):
            if end == len(keys) or keys[end] != keys[start]:
                yield keys[start], RowTable(self._columns, self._positions[start:end])
                start = end


def _line_order(lines: array, positions: array | range, reverse: bool) -> array:
    """Positions in line order (stable), sorted as numbers in arrays: a table read from its
    shards comes in shard order, and sorting a million positions by line in Python made an
    int and a key reference a row (about 95 MB at a time); this holds about 35 bytes a row."""
    import numpy as np  # loaded when a table is first put in line order

    at = np.arange(positions.start, positions.stop, positions.step, dtype=np.int64) \
        if isinstance(positions, range) else np.frombuffer(positions, dtype=np.uint32)
    values = np.frombuffer(lines, dtype=np.uint32)[at].astype(np.int64)
    order = np.argsort(-values if reverse else values, kind="stable")
    return array("I", at[order].astype(np.uint32).tobytes())


def _by_code(column: _Coded, key: Callable[[Any], Any] | None) -> list[Any]:
    """`key(value)` of each of a coded column's distinct values, by code."""
    return [key(v) for v in column.values] if key else column.values


class Builder:
    """Takes rows as they come (several batches, from several threads under a lock), then
    gives the table in the order the rows came."""

    def __init__(self) -> None:
        self._columns = _Columns()

    def extend(self, records: Iterable[Recommendation]) -> None:
        add = self._columns.add
        for rec in records:
            add(rec)

    def table(self) -> RowTable:
        self._columns.done()
        return RowTable(self._columns, range(self._columns.count))


def where(records: Sequence[Recommendation], field: str,
          test: Callable[[Any], bool]) -> Sequence[Recommendation]:
    """The rows whose `field` passes `test`: a view of a RowTable, a list of other rows."""
    if isinstance(records, RowTable):
        return records.where(field, test)
    return [r for r in records if test(getattr(r, field))]


def as_table(records: Sequence[Recommendation] | Iterable[Recommendation]) -> RowTable:
    """The rows as a RowTable (itself when it is one)."""
    return records if isinstance(records, RowTable) else RowTable.build(records)
