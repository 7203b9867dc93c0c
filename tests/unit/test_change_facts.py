"""The renders given only what they show of the changes (changes.for_renders, as the summary
writes report-facts.json) and the full list as a stream make the same bytes as given every
change in the facts."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from shared.advisor.changes import SHOWN, compare, for_renders
from shared.advisor.parse import parse_export
from shared.advisor.row_table import as_table
from shared.rendering.render import render_report
from shared.rendering.report_types import REPORT_TYPES, baseline_headlines
from shared.rendering.report_types.base import ReportInput
from shared.storage.layout import FORMATS, artifact_pairs
from tests.support.exports import build_rows, to_csv


@pytest.fixture(scope="module")
def full() -> ReportInput:
    # Other seeds, other resources: most findings new or resolved, more than SHOWN of each
    # per category, so the reports' lists are cut where for_renders cuts them.
    now = as_table(parse_export(to_csv(build_rows(1200, seed=1))).records)
    before = as_table(parse_export(to_csv(build_rows(1000, seed=2))).records)
    about = {"reportId": "r0", "title": "Last review", "fileName": "before.csv",
             "createdAt": "2026-10-01T00:00:00Z", "exportDate": "2026-10-01",
             "headlines": baseline_headlines(before, "2026-10-01")}
    changes = json.loads(json.dumps({"baseline": about, **compare(now, before)}))
    assert changes["counts"]["resolved"] > 3 * SHOWN
    return ReportInput(records=now, client="Contoso", title="Review", source_file="now.csv",
                       generated_date="2026-11-20T00:00:00Z", changes=changes)


@pytest.mark.parametrize(("report_type", "fmt"), artifact_pairs(list(REPORT_TYPES), FORMATS))
def test_the_changes_the_renders_show_make_the_same_report(full, report_type, fmt):
    shown = json.loads(json.dumps(for_renders(full.changes)))
    assert len(shown["results"]) < len(full.changes["results"])
    given = replace(full, changes=shown, change_items=lambda: iter(full.changes["results"]))
    assert render_report(report_type, fmt, given) == render_report(report_type, fmt, full)


class _Container:
    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def upload_blob(self, name, data, length, **settings) -> None:
        self.data[name] = data.read(length)


def test_changes_are_written_as_figures_and_lines_each_item_made_once():
    from shared.pipeline import json_blobs

    value, items = {"baseline": {"title": "Revue d'été"}, "counts": {"new": 2}}, [{"a": 1}, {}]
    container = _Container()
    for listed in (items, []):
        made = []
        json_blobs.put_json_and_lines(container, "both.json", value, "items.jsonl",
                                      (made.append(i) or i for i in listed))
        assert json.loads(container.data["both.json"]) == value and made == listed
        lines = container.data["items.jsonl"]
        half = len(lines) // 2
        assert list(json_blobs._items([lines[:half], lines[half:]])) == listed
