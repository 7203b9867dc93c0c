"""A report's comparison with its baseline: which earlier report of the client that is, and
what changed since (new, resolved and persisting findings, and the baseline's key figures).

A baseline summarized with a finding index (advisor.finding_index) under the rules now in
force is compared through it: of its rows only those of resolved findings are read. Any other
(summarized before indexes were kept, or under other rules) is read whole, as a stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from shared.advisor.changes import Comparison
from shared.advisor.exclusions import apply_rules, rules_fingerprint
from shared.advisor.finding_index import StoredIndex, read_index
from shared.advisor.model import Recommendation
from shared.advisor.stats import export_date
from shared.pipeline.json_blobs import put_json_and_lines, read_json
from shared.pipeline.report_rows import read_batches, records_in_force, shards_of
from shared.rendering.report_types import BaselineHeadlines, headlines_of
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import creation_order, is_comparable, is_deleted, now_iso
from shared.storage.tables import odata_quote


def baseline_of(storage: Storage, report: dict[str, Any]) -> dict[str, Any] | None:
    """The report to compare with: the one named by `baselineReportId`, else the client's
    latest completed report created before this one; None when there is none. A report marked
    not for comparison is never one (a report naming one gets the latest before it)."""
    named = report.get("baselineReportId")
    if named:
        found = storage.reports.get(report["clientId"], named)
        if found is None or is_comparable(found):
            return found if is_baseline_for(found, report) else None
        # Marked not for comparison since it was named: the latest before, as without a name.
    earlier = [r for r in storage.reports.list(
        f"PartitionKey eq {odata_quote(report['clientId'])}")
        if is_baseline_for(r, report) and creation_order(r) < creation_order(report)]
    return max(earlier, key=creation_order, default=None)


def is_baseline_for(candidate: dict[str, Any] | None, report: dict[str, Any]) -> bool:
    return (candidate is not None and not is_deleted(candidate)
            and candidate.get("status") == "completed" and is_comparable(candidate)
            and candidate["clientId"] == report["clientId"]
            and candidate["reportId"] != report["reportId"])


def store_changes(storage: Storage, report: dict[str, Any]) -> dict[str, Any]:
    """Compare the report with its baseline (a new one chosen), store the result as a blob
    and return the fields the report row keeps: `baseline` (or None) and `changeCounts`."""
    records, exclusions = records_in_force(storage, report)
    changes, items = changes_since_baseline(storage, report, records, exclusions["rules"])
    client_id, report_id = report["clientId"], report["reportId"]
    put_json_and_lines(storage.artifacts, layout.changes_blob_name(client_id, report_id),
                       changes, layout.change_items_blob_name(client_id, report_id), items())
    return {"baseline": changes["baseline"], "changeCounts": changes["counts"]}


def changes_since_baseline(storage: Storage, report: dict[str, Any],
                           records: Sequence[Recommendation],
                           rules: list[dict[str, Any]], hashes: Any = None,
                           ) -> tuple[dict[str, Any], Callable[[], Iterator[dict[str, Any]]]]:
    """The report's changes since its baseline (see changes.compare), `baseline` None when
    it has none. Both sides count only rows in force: the baseline's rows are put through
    the same rules. `hashes`: the rows' finding numbers, when known (finding_index)."""
    baseline = baseline_of(storage, report)
    changes: dict[str, Any] = {"baseline": None, "counts": None, "byCategory": [],
                               "savingsByCurrency": []}
    items: Callable[[], Iterator[dict[str, Any]]] = lambda: iter(())  # noqa: E731
    if baseline is not None:
        comparison, moment = Comparison(records, hashes), now_iso()
        known = _indexed(storage, baseline, rules_fingerprint(rules, moment))
        if known is not None:
            # Its finding index and figures, kept by its own summary under the same rules:
            # of its rows only those of resolved findings are read.
            index, headlines = known
            resolved = comparison.take_index(index.hashes, index.lines)
            del index, known
            read_batches(storage, baseline["clientId"], baseline["reportId"],
                         shards_of(storage, baseline), comparison.add_resolved, resolved)
            as_of = baseline["exportDate"]
        else:  # kept before it had an index, or under other rules: its rows, all of them
            as_of, headlines = _compare_rows(storage, baseline, comparison, rules, moment)
        about = {"reportId": baseline["reportId"], "title": baseline.get("title", ""),
                 "fileName": baseline.get("fileName", ""),
                 "createdAt": baseline.get("createdAt"), "exportDate": as_of,
                 # Each report type's key figures then, for the change each card shows.
                 "headlines": headlines}
        summary, items = comparison.result()
        changes = {"baseline": about, **summary}
    return changes, items


def _indexed(storage: Storage, baseline: dict[str, Any],
             rules: str) -> tuple[StoredIndex, dict[str, dict]] | None:
    """A baseline's finding index and each report type's headline figures, when its summary
    kept them under the rules of this fingerprint; None otherwise."""
    if not baseline.get("exportDate"):
        return None
    client_id, report_id = baseline["clientId"], baseline["reportId"]
    try:
        data = storage.artifacts.get_blob_client(
            layout.finding_index_blob_name(client_id, report_id)).download_blob().readall()
    except ResourceNotFoundError:
        return None
    index = read_index(data)
    del data
    if index is None or index.rules != rules:
        return None
    facts = read_json(storage.artifacts, layout.facts_blob_name(client_id, report_id))
    return (index, headlines_of(facts)) if facts else None


def _compare_rows(storage: Storage, baseline: dict[str, Any], comparison: Comparison,
                  rules: list[dict[str, Any]], moment: str) -> tuple[str, dict[str, dict]]:
    """Give the comparison the baseline's rows in force, read as a stream, never held: it
    keeps of each row its finding's number, and whole only the resolved rows. The export day
    and each report type's headline figures of the baseline."""
    headlines = BaselineHeadlines()
    stored_day = baseline.get("exportDate")
    newest = ""  # the export day of a baseline stored before it was kept, from its rows

    def take(batch: list[Recommendation]) -> None:
        nonlocal newest
        kept = apply_rules(batch, rules, moment).kept if rules else batch
        comparison.add(kept)
        for rec in kept:
            headlines.add(rec)
        if not stored_day:
            newest = max(newest, export_date(kept))

    read_batches(storage, baseline["clientId"], baseline["reportId"],
                 shards_of(storage, baseline), take)
    as_of = stored_day or newest or baseline.get("createdAt", "")[:10]
    return as_of, headlines.result(as_of)
