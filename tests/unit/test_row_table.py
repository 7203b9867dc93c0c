"""RowTable: a report's rows by column give back exactly the rows put in, filter and sort as
lists do, and hold a fraction of the memory of the rows themselves."""

from __future__ import annotations

import gc
import tracemalloc
from contextlib import contextmanager
from decimal import Decimal
from itertools import groupby

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.advisor import records as rec_io
from shared.advisor import row_table
from shared.advisor.model import Recommendation
from shared.advisor.parse import parse_export
from shared.advisor.row_table import RowTable
from tests.support.exports import build_rows, to_csv

texts = st.sampled_from(["", "Cost", "Security", "Ω Zürich", "a\u2028b", "x" * 300, "é"])
rows = st.lists(st.builds(
    Recommendation,
    line=st.integers(2, 40) | st.integers(2**32 - 8, 2**32 - 1),  # twice: sorts must be stable
    recommendation=texts,
    category=texts,
    impact=st.sampled_from(["High", "Medium", "", "Severe"]),
    resource_name=st.text(max_size=12),
    given_resource_id=st.one_of(st.just(""), st.text(max_size=40)),
    updated=st.text(max_size=8),
    annual_savings=st.sampled_from([None, Decimal(0), Decimal("0.00"), Decimal("12.5"),
                                    Decimal("12.50"), Decimal("-3")]),
    extra=st.sampled_from([{}, {"Carbon": "1 t"}, {"Carbon": "2 t", "Notes": ""}]),
), max_size=40)


@contextmanager
def keeping_made(count: int):
    kept, row_table.KEEP_MADE = row_table.KEEP_MADE, count
    try:
        yield
    finally:
        row_table.KEEP_MADE = kept


def table_of(records: list[Recommendation], keep_made: int) -> RowTable:
    with keeping_made(keep_made):
        return RowTable.build(records)


def same(got, expected) -> None:
    """Equal, and each amount written as it was (Decimal 12.5 == 12.50, but they print
    differently)."""
    got = list(got)
    assert got == expected
    assert [str(r.annual_savings) for r in got] == [str(r.annual_savings) for r in expected]


KEEP = st.sampled_from([0, row_table.KEEP_MADE])


@given(rows, KEEP)
def test_rows_come_back_as_they_went_in(records, keep_made):
    table = table_of(records, keep_made)
    assert len(table) == len(records)
    same(table, records)
    same([table[i] for i in range(len(records))], records)
    same(table[3:17:2], records[3:17:2])
    if records:
        assert table[-1] == records[-1]
        assert type(table[0]) is Recommendation
    with pytest.raises(IndexError):
        table[len(records)]


@given(rows, KEEP)
def test_views_filter_and_sort_as_lists_do(records, keep_made):
    table = table_of(records, keep_made)
    wanted = {"Cost", "Ω Zürich", ""}
    view = table.where("category", lambda c: c in wanted)
    same(view, [r for r in records if r.category in wanted])
    same(view.where("line", lambda line: line % 2 == 0),
         [r for r in records if r.category in wanted and r.line % 2 == 0])
    same(table.sorted_by("annual_savings", lambda a: a or 0, reverse=True),
         sorted(records, key=lambda r: r.annual_savings or 0, reverse=True))  # stable
    by_name = view.sorted_by("resource_name")
    same(by_name, sorted((r for r in records if r.category in wanted),
                         key=lambda r: r.resource_name))
    # Lines (repeated here, unique in a report) sorted as numbers, stably, both ways.
    same(view.sorted_by("line"), sorted((r for r in records if r.category in wanted),
                                        key=lambda r: r.line))
    same(table.sorted_by("line", reverse=True),
         sorted(records, key=lambda r: r.line, reverse=True))
    same(table.sorted_by("impact").sorted_by("line"),
         sorted(sorted(records, key=lambda r: r.impact), key=lambda r: r.line))
    runs = [(key, list(group)) for key, group in by_name.runs("resource_name")]
    assert runs == [(key, list(group)) for key, group in
                    groupby(list(by_name), key=lambda r: r.resource_name)]


def test_a_field_of_more_than_65536_values_keeps_them_all():
    records = [Recommendation(line, f"recommendation {line}") for line in range(2, 70_002)]
    table = table_of(records, 0)
    assert list(table) == records
    assert table.sorted_by("recommendation", reverse=True)[0].recommendation \
        == max(r.recommendation for r in records)


@pytest.mark.parametrize(("with_ids", "most"), [(False, 120), (True, 160)],
                         ids=["as-exported", "with-resource-ids"])
def test_by_column_a_row_takes_a_fraction_of_its_tuple(with_ids, most):
    """The rows of a generated export (unique names and timestamps, as the bench's): as
    tuples read from the staged lines about 400 bytes a row, by column under 120; with every
    row's ARM id given, as imports from Azure have them, under 160 (the ids' recurring
    beginnings coded: packed whole they took some 230 bytes a row, coded 260)."""
    count = 30_000
    records = parse_export(to_csv(build_rows(count))).records
    if with_ids:
        records = [r._replace(given_resource_id=r.resource_id) for r in records]
        assert len({r.given_resource_id for r in records}) > count * 0.75
    staged = rec_io.dumps_lines(records)
    del records
    gc.collect()
    tracemalloc.start()
    try:
        as_tuples = rec_io.loads_lines(staged)
        tuples_bytes = tracemalloc.get_traced_memory()[0]
        with keeping_made(0):
            table = RowTable.build(as_tuples)
        assert list(table) == as_tuples
        del as_tuples  # what the table keeps of the rows' texts counts now
        gc.collect()
        table_bytes = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert tuples_bytes / count > 300, tuples_bytes / count
    assert table_bytes / count < most, table_bytes / count
