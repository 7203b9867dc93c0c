"""The summary works out each report type's statistics and action plan once, on real Azurite,
and the renders take them from its blob: an artifact is the same with the blob or without."""

from __future__ import annotations

import json

from shared.advisor.changes import compare
from shared.advisor.parse import parse_export
from shared.advisor.stats import export_date
from shared.pipeline import steps
from shared.pipeline.json_blobs import json_lines, read_json
from shared.rendering.report_types import baseline_headlines
from shared.storage import layout
from tests.integration.test_cleanup import make_storage
from tests.integration.test_validate import _report
from tests.support.exports import build_rows, to_csv


def _changes(storage, report_id: str) -> dict:
    """A report's stored changes: their figures, and every finding from its own lines."""
    changes = read_json(storage.artifacts, layout.changes_blob_name("acme", report_id))
    assert "results" not in changes  # the list is never parsed whole for a page of it
    items = json_lines(storage.artifacts, layout.change_items_blob_name("acme", report_id))
    return {**changes, "results": list(items)}


def test_renders_read_the_summarys_facts_and_draw_what_they_would_work_out(
        storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    job = _report(storage, "facts", to_csv(build_rows(400, seed=11)))
    job["reportTypes"], job["formats"] = ["executive", "cost"], ["html", "pdf"]
    assert steps.validate(storage, job)["accepted"]
    steps.summarize(storage, job)

    name = layout.facts_blob_name("acme", "facts")
    facts = json.loads(storage.artifacts.get_blob_client(name).download_blob().readall())
    assert set(facts["types"]) == set(layout.REPORT_TYPES)
    every = facts["types"]["executive"]
    assert every["stats"]["totals"]["recommendations"] == 400
    assert 0 < facts["types"]["cost"]["stats"]["totals"]["recommendations"] < 400
    statistics = storage.artifacts.get_blob_client(
        layout.statistics_blob_name("acme", "facts")).download_blob().readall()
    assert json.loads(statistics) == every["stats"]  # the statistics endpoint's figures

    def artifact(report_type: str, fmt: str) -> bytes:
        blob = steps.render(storage, job, report_type, [fmt])[0]["blob"]
        return storage.artifacts.get_blob_client(blob).download_blob().readall()

    given = {pair: artifact(*pair) for pair in [("executive", "html"), ("cost", "pdf")]}
    storage.artifacts.delete_blob(name)  # an older report: the render works them out itself
    assert {pair: artifact(*pair) for pair in given} == given


def test_the_baseline_is_compared_as_it_streams_from_its_shards(storage_connection,
                                                                 unique_name):
    """The summary reads the client's last report a batch at a time from several shards at
    once: its changes and the baseline's key figures are those of comparing the rows whole,
    a finding listed twice counts by its first line, and a baseline stored before its export
    day was kept gets the day from its rows."""
    storage = make_storage(storage_connection, unique_name)
    rows = build_rows(6_000, seed=5)
    # The same findings again at later lines, filed under another category.
    twice = [{**r, "Category": "Security"} for r in rows[100:300]]
    before, now = to_csv(rows[:5_000] + twice), to_csv(rows[500:])
    for report_id, data in (("a-before", before), ("b-now", now)):
        job = _report(storage, report_id, data)
        assert steps.validate(storage, job)["accepted"]
        steps.summarize(storage, job)
        storage.reports.update("acme", report_id, {"status": "completed"})

    def summarized() -> tuple[dict, dict]:
        changes = _changes(storage, "b-now")
        return changes, read_json(storage.artifacts, layout.facts_blob_name("acme", "b-now"))

    changes, facts = summarized()
    then = parse_export(before).records
    expected = compare(parse_export(now).records, then)
    assert {k: v for k, v in changes.items() if k != "baseline"} == expected
    assert expected["counts"]["resolved"] > 400 and expected["counts"]["new"] > 700
    as_of = export_date(then)
    assert changes["baseline"]["exportDate"] == as_of
    assert changes["baseline"]["headlines"] == baseline_headlines(then, as_of)
    assert facts["changes"]["baseline"] == changes["baseline"]

    storage.reports.update("acme", "a-before", {"exportDate": ""})  # stored before it was kept
    steps.summarize(storage, {**job, "reportId": "b-now"})
    again, facts_again = summarized()
    assert again == changes and facts_again["changes"] == facts["changes"]


def test_the_baseline_is_compared_by_its_finding_index_under_the_same_rules(
        storage_connection, unique_name, monkeypatch):
    """A summary keeps each row in force's finding number and line; the client's next report
    reads that index and the resolved rows only (never every row of the baseline), with the
    same changes and key figures as comparing the rows whole. Once the client's rules differ
    from those the index was kept under, the baseline's rows are read and put through them."""
    from shared.advisor.changes import Comparison
    from shared.advisor.exclusions import apply_rules
    from shared.advisor.finding_index import read_index
    from shared.services import exclusions
    from shared.settings import load_settings
    from shared.storage.context import Storage
    from shared.storage.exclusions import rules_of
    from shared.storage.factory import build_clients
    from shared.storage.reports import now_iso

    tag = unique_name
    env = {"AzureWebJobsStorage": storage_connection, "REPORTS_TABLE": f"Reports{tag}",
           "RECOMMENDATIONS_TABLE": f"Recs{tag}", "CLIENTS_TABLE": f"Clients{tag}",
           "EXCLUSIONS_TABLE": f"Ex{tag}", "UPLOADS_CONTAINER": f"up-{tag}",
           "REPORTS_CONTAINER": f"rep-{tag}"}
    storage = Storage(load_settings(env), build_clients(env=env))
    rows = build_rows(3_000, seed=8)
    before, now = to_csv(rows[:2_500]), to_csv(rows[300:])
    for report_id, data in (("a-before", before), ("b-now", now)):
        job = _report(storage, report_id, data)
        assert steps.validate(storage, job)["accepted"]
        steps.summarize(storage, job)
        storage.reports.update("acme", report_id, {"status": "completed"})
    index = read_index(storage.artifacts.get_blob_client(
        layout.finding_index_blob_name("acme", "a-before")).download_blob().readall())
    then = parse_export(before).records
    assert index is not None and index.lines.tolist() == [r.line for r in then]

    expected = compare(parse_export(now).records, then)
    read = []  # the baseline's rows the comparison was given
    monkeypatch.setattr(Comparison, "add", lambda self, rows: read.append("every row"))
    original = Comparison.add_resolved
    monkeypatch.setattr(Comparison, "add_resolved",
                        lambda self, rows: (read.extend(rows), original(self, rows)))
    steps.summarize(storage, job)
    changes = _changes(storage, "b-now")
    assert {k: v for k, v in changes.items() if k != "baseline"} == expected
    assert changes["baseline"]["headlines"] == baseline_headlines(then, export_date(then))
    assert len(read) == expected["counts"]["resolved"] > 200  # one row a resolved finding

    monkeypatch.undo()
    rule = {"resourceGroup": rows[0]["Resource Group"], "reason": "theirs",
            "kind": "accepted-risk"}
    exclusions.create(storage, "acme", rule, "test")
    steps.summarize(storage, job)  # the index was kept under no rules: every row is read
    changes = _changes(storage, "b-now")
    rules = [r for r in rules_of(storage, "acme") if r["inForce"]]
    moment = now_iso()
    kept_then = list(apply_rules(then, rules, moment).kept)
    expected = compare(list(apply_rules(parse_export(now).records, rules, moment).kept),
                       kept_then)
    assert len(kept_then) < len(then)
    assert {k: v for k, v in changes.items() if k != "baseline"} == expected
    assert changes["baseline"]["headlines"] == baseline_headlines(kept_then, export_date(then))
