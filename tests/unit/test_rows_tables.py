"""Each report's rows table: a valid Azure table name for any report id, one per report."""

from __future__ import annotations

import re

import pytest

from shared.settings import SettingsError, load_settings
from shared.storage import layout

# Azure Table names: 3-63 characters, letters and digits, not starting with a digit.
AZURE_TABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,62}")


@pytest.mark.parametrize("report_id", [
    "20261207-3f1a2b4c5d6e", "drop-0123456789abcdef0123", "202611-import-a1b2c3d4e5f6",
    "r", "A" + "-9" * 49 + "z"])  # the longest id the API takes: 100 characters
def test_any_report_id_names_a_valid_table_under_the_longest_prefix(report_id):
    prefix = load_settings({"RECOMMENDATIONS_TABLE": "R" * 31}).recommendations_table
    name = layout.rows_table(prefix, report_id)
    assert AZURE_TABLE_NAME.fullmatch(name) and len(name) == 63
    assert layout.rows_table(prefix, report_id) == name  # the same report, the same table
    assert layout.is_rows_table(prefix, name) and layout.is_rows_table(prefix, name.upper())


def test_ids_that_differ_only_by_their_dashes_get_tables_of_their_own():
    names = {layout.rows_table("Recommendations", i) for i in ("a-bc", "ab-c", "abc", "abc-")}
    assert len(names) == 4


def test_only_report_tables_under_the_prefix_are_report_tables():
    own = layout.rows_table("Recommendations", "20261207-3f1a2b4c5d6e")
    assert layout.is_rows_table("Recommendations", own)
    assert not layout.is_rows_table("Recommendations", "Recommendations")  # the legacy table
    assert not layout.is_rows_table("Recommendations", "RecommendationsArchive" + "0" * 25)
    assert not layout.is_rows_table("Recs", own)  # another prefix's


@pytest.mark.parametrize("bad", ["Re", "9Recommendations", "Recommendations-2", "R" * 32])
def test_a_prefix_no_table_name_can_begin_with_is_refused_at_start(bad):
    with pytest.raises(SettingsError, match="RECOMMENDATIONS_TABLE"):
        load_settings({"RECOMMENDATIONS_TABLE": bad})
