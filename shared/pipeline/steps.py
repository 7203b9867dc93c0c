"""The steps of processing one report. Activities are thin calls into these functions.

Every step is idempotent: it overwrites blobs and upserts rows with deterministic keys, so the
Durable runtime may deliver it twice without changing the outcome. Steps pass references
(ids, shard numbers); the validated rows travel as JSON Lines blobs, one per shard.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContentSettings

from shared.advisor.catalogue import Entry, enrich, learn, merged
from shared.advisor.changes import ShownChanges
from shared.advisor.drops import CODE as SHARP_DROP
from shared.advisor.drops import sharp_drop, subscriptions_of
from shared.advisor.exclusions import apply_rules, rules_fingerprint
from shared.advisor.finding_index import FindingIndex
from shared.advisor.mapping import mapped
from shared.advisor.model import ExportRefused
from shared.advisor.parse import ExportReader, Limits
from shared.advisor.scope import ScopeCheck
from shared.advisor.stats import export_date
from shared.pipeline import rows_cache
from shared.pipeline.baseline import changes_since_baseline
from shared.pipeline.branding import branding_of
from shared.pipeline.job import InvalidJob, check_job
from shared.pipeline.json_blobs import json_lines, put_json, put_json_and_lines, read_json
from shared.pipeline.memory import release, released_after
from shared.pipeline.report_rows import (
    cached_records,
    records_in_force,
    shard_records,
    shards_of,
)
from shared.rendering.render import content_type, write_report
from shared.rendering.report_types import report_facts
from shared.rendering.report_types.base import ReportInput
from shared.storage import catalogue, layout
from shared.storage.actions import tracking_facts
from shared.storage.clients import view as client_view
from shared.storage.compressed import gzipped, stored_encoding
from shared.storage.context import Storage
from shared.storage.exclusions import rules_of
from shared.storage.reports import ReportGone, is_deleted, now_iso
from shared.storage.shard_writer import ShardWriter
from shared.storage.tables import odata_quote
from shared.storage.trend import trend_before

MAX_STORED_ERRORS = 100
SPOOL_BYTES = 8 * 1024 * 1024  # a rendered artifact above this goes to a temporary file
# Rendering is pure Python under one interpreter lock: renders running together in a worker
# process finish no sooner than one after another, but hold the memory of all of them (at
# 200,000 rows, several hundred MB each for the PDFs of every row). One at a time per process;
# reading the rows and uploading the result stay outside.
_RENDERING = threading.Lock()
log = logging.getLogger("advisor_reports.pipeline")


def _log(job: dict[str, Any], message: str, *args: object) -> None:
    """Pipeline log lines carry the report (= orchestration instance) and client ids, in the
    text for the console and as attributes for Application Insights."""
    log.info("report %s (client %s): " + message, job["reportId"], job["clientId"], *args,
             extra={"reportId": job["reportId"], "instanceId": job["reportId"],
                    "clientId": job["clientId"]})


def report_of(storage: Storage, job: Any) -> dict[str, Any]:
    """The stored report a job names, when the job is well formed and really is that report's
    (its upload blob is the one the report row records); InvalidJob or ReportGone otherwise."""
    check_job(job)
    if job.get("uploadContainer", storage.settings.uploads_container) \
            != storage.settings.uploads_container:
        raise InvalidJob("the upload container is not this app's")
    report = storage.reports.get(job["clientId"], job["reportId"])
    if is_deleted(report):
        raise ReportGone(f"Report {job['reportId']} of client {job['clientId']} no longer exists")
    if report.get("uploadBlob") != job["uploadBlob"]:
        raise InvalidJob("the upload blob is not the one this report was made from")
    return report


def keep_or_undo(storage: Storage, job: dict[str, Any], undo: Callable[[], object]) -> None:
    """After a step wrote something: if the report was deleted meanwhile, remove what the step
    wrote. A delete marks the report before removing its data, so whatever order the two take,
    nothing written by a late activity stays behind."""
    if is_deleted(storage.reports.get(job["clientId"], job["reportId"])):
        undo()
        raise ReportGone(f"Report {job['reportId']} was deleted while it was processed; what "
                         "this step wrote was removed")


@released_after
def validate(storage: Storage, job: dict[str, Any]) -> dict[str, Any]:
    """Read and validate the upload, writing the accepted rows as one JSON Lines blob per
    shard (as many shards as the file's rows call for, at most the job's) while reading: a
    batch of rows at a time, committed when the whole file is accepted."""
    report = report_of(storage, job)
    rows_cache.clear()  # the last report's rows: not needed while this export is read
    client_id, report_id = job["clientId"], job["reportId"]
    # An import started when its fetch did: that is part of its time.
    storage.reports.update(client_id, report_id, {"status": "processing"}
                           if report.get("importSubscriptions") else
                           {"status": "processing", "startedAt": now_iso()})
    client = storage.client_records.get(client_id)
    known, _ = catalogue.read(storage.artifacts)
    learnt: dict[str, Entry] = {}
    upload = storage.clients.blob.get_blob_client(job["uploadContainer"], job["uploadBlob"])
    try:
        # Read through a file mapping, a chunk at a time: the upload is never all in memory.
        with mapped(lambda file: upload.download_blob().readinto(file)) as data:
            reader = ExportReader(data, Limits(storage.settings.max_upload_bytes,
                                               storage.settings.max_rows))
            shards = layout.shards_for(reader.rows_estimate(), int(job["shards"]))
            subscriptions = client_view(client)["subscriptionIds"] if client else []
            scope = ScopeCheck(subscriptions)
            with ShardWriter(storage.artifacts, client_id, report_id, shards) as writer:
                for batch in reader.batches():
                    if batch.first:  # the reader (re)starts from the file's first row
                        writer.start_over()
                        scope = ScopeCheck(subscriptions)
                    learnt.update(learn(batch.records))
                    records = enrich(batch.records, known)
                    writer.add(records)
                    scope.add(records)
                result = reader.result([])
                writer.commit()
    except ExportRefused as refused:
        _log(job, "refused (%s): %s", refused.code, refused.message)
        return {"accepted": False, "refusal": refused.to_dict()}
    del reader
    keep_or_undo(storage, job, lambda: delete_blobs(
        storage, [layout.shard_blob_name(client_id, report_id, s) for s in range(shards)]))
    if learnt and merged(known, learnt) != known:  # most exports teach nothing new
        catalogue.add(storage.artifacts, learnt)
    summary = result.summary(max_errors=MAX_STORED_ERRORS)
    stray = scope.warning()
    if stray:
        summary["warnings"].append(stray)
    # An import's subscriptions that could not be read come first (see azure_import.fetch).
    summary["warnings"][:0] = report.get("importWarnings") or []
    storage.reports.update(client_id, report_id, {
        "rowsTotal": result.rows_total, "rowsAccepted": result.rows_accepted,
        "rowsRejected": result.rows_rejected, "duplicates": result.duplicates,
        "warnings": summary["warnings"], "errors": summary["errors"],
        "columns": summary["columns"], "encoding": result.encoding,
        "delimiter": result.delimiter, "shards": shards,
    })
    _log(job, "validated: %d rows accepted, %d rejected, %d duplicates", result.rows_accepted,
         result.rows_rejected, result.duplicates)
    return {"accepted": True, "rowsAccepted": result.rows_accepted,
            "rowsRejected": result.rows_rejected,
            "shards": {str(s): n for s, n in enumerate(writer.counts) if n}}


def delete_blobs(storage: Storage, names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(ResourceNotFoundError):
            storage.artifacts.delete_blob(name)


def store_shard(storage: Storage, job: dict[str, Any], shard: int) -> dict[str, int]:
    report = report_of(storage, job)  # a work item queued before a delete must not write
    records = shard_records(storage, job["clientId"], job["reportId"], shard)
    stored, truncated = storage.recommendations.store_shard(job["reportId"], records,
                                                            shards_of(storage, report))
    # Undo only this shard's partition: every shard racing to delete the whole report made
    # a delete during storing take tens of seconds of colliding single-row deletes.
    keep_or_undo(storage, job, lambda: storage.recommendations.delete_shard(job["reportId"], shard))
    _log(job, "shard %d: %d rows stored", shard, stored)
    return {"shard": shard, "stored": stored, "truncated": truncated}


@released_after
def summarize(storage: Storage, job: dict[str, Any]) -> dict[str, Any]:
    """Statistics, the action plan, the exclusions and the changes since the baseline report,
    each a blob for the API, and all the renders need in one (report-facts.json); the totals,
    the baseline and the change counts on the report row."""
    report = report_of(storage, job)
    client_id, report_id = job["clientId"], job["reportId"]
    # Read through the worker's cache: the renders that follow in this worker use them too.
    records = cached_records(storage, client_id, report_id, shards_of(storage, report))
    as_of = export_date(records, report.get("createdAt", ""))
    # The client's rules in force now: an expired rule stops applying at the next run.
    rules = [r for r in rules_of(storage, client_id) if r["inForce"]]
    moment = now_iso()
    applied = apply_rules(records, rules, moment)
    exclusions = {"rules": [{**r, "rows": applied.counts[r["ruleId"]]} for r in rules],
                  "excluded": {str(line): rule for line, rule in applied.excluded.items()}}
    kept = applied.kept
    # Everything the renders need from the summary in one blob, read once by each of them;
    # the statistics, plan, exclusions and changes also each have their own for the API.
    # The pass over every row also gives each row's finding (the plan works out its key):
    # the comparison below takes them, and the client's next report the index's blob.
    index = FindingIndex(rules_fingerprint(rules, moment))
    facts = report_facts(kept, as_of, index)
    changes, items = changes_since_baseline(storage, report, kept, rules, index.hashes())
    # The list of changes is made from the rows as it is written, never held whole; once it
    # is, the comparison's arrays and the resolved rows are handed back.
    shown = ShownChanges()  # what the renders show of it, found while it is written
    items_blob = layout.change_items_blob_name(client_id, report_id)
    changes_blob = layout.changes_blob_name(client_id, report_id)
    put_json_and_lines(storage.artifacts, changes_blob, changes, items_blob,
                       shown.passing(items()))
    del items
    release()  # the resolved rows of the baseline, handed back
    # Of the changes only what the reports show: the workbook streams the full list from its
    # own blob (a render parsing 200,000 changes held over 1 GB).
    facts.update({"changes": shown.of(changes), "exclusions": exclusions,
                  "tracking": tracking_facts(storage, report, changes["baseline"])})
    stats, plan = facts["types"]["executive"]["stats"], facts["types"]["executive"]["plan"]
    # Open findings by category too: the trend charts of the client's later reports read them.
    totals = {**stats["totals"], "byCategory": {c["category"]: c["count"]
                                                for c in stats["byCategory"]}}
    facts["trend"] = trend_before(
        storage.reports.list(f"PartitionKey eq {odata_quote(client_id)}"),
        {**report, "totals": totals, "exportDate": as_of})
    blobs = {layout.exclusions_blob_name(client_id, report_id): exclusions,
             layout.statistics_blob_name(client_id, report_id): stats,  # every row's
             layout.actions_blob_name(client_id, report_id): plan,
             layout.facts_blob_name(client_id, report_id): facts}
    for name, value in blobs.items():
        _put_json(storage, name, value)
    index_blob = layout.finding_index_blob_name(client_id, report_id)
    storage.artifacts.upload_blob(index_blob, index.to_bytes(), overwrite=True)
    fields: dict[str, Any] = {
        "totals": totals, "exportDate": as_of, "excludedRows": len(applied.excluded),
        "exclusionRules": [{"ruleId": r["ruleId"], "rows": r["rows"]}
                           for r in exclusions["rules"]][:100],
        "baseline": changes["baseline"], "changeCounts": changes["counts"],
        "warnings": [w for w in report.get("warnings") or [] if w.get("code") != SHARP_DROP]
        + [w for w in [_sharp_drop(storage, report, stats, changes["baseline"])] if w]}
    names = [*blobs, changes_blob, items_blob, index_blob]
    keep_or_undo(storage, job, lambda: delete_blobs(storage, names))
    storage.reports.update(client_id, report_id, fields)
    return {"recommendations": stats["totals"]["recommendations"]}


def _sharp_drop(storage: Storage, report: dict[str, Any], stats: dict[str, Any],
                baseline: dict[str, Any] | None) -> dict[str, Any] | None:
    """The warning of an export that shrank sharply against its baseline (advisor.drops)."""
    if baseline is None:
        return None
    before = storage.reports.get(report["clientId"], baseline["reportId"]) or {}
    then = read_json(storage.artifacts,
                     layout.statistics_blob_name(report["clientId"], baseline["reportId"]))
    return sharp_drop(int(report.get("rowsAccepted") or 0), subscriptions_of(stats), baseline,
                      int(before.get("rowsAccepted") or 0), subscriptions_of(then),
                      report["reportId"])


def _put_json(storage: Storage, name: str, value: Any) -> None:
    put_json(storage.artifacts, name, value)


@released_after
def render(storage: Storage, job: dict[str, Any], report_type: str,
           formats: Sequence[str]) -> list[dict[str, Any]]:
    """One report type in each of `formats`, its inputs read once for all of them (the
    orchestration asks for a small report's formats together: see render_groups)."""
    data = _render_input(storage, job)
    client_id, report_id = job["clientId"], job["reportId"]
    names = [layout.artifact_blob_name(client_id, report_id, report_type, fmt)
             for fmt in formats]
    artifacts = [_render_one(storage, job, data, report_type, fmt, name)
                 for fmt, name in zip(formats, names, strict=True)]
    keep_or_undo(storage, job, lambda: delete_blobs(storage, names))
    return artifacts


def _render_input(storage: Storage, job: dict[str, Any]) -> ReportInput:
    report = report_of(storage, job)
    client_id, report_id = job["clientId"], job["reportId"]
    facts = read_json(storage.artifacts, layout.facts_blob_name(client_id, report_id))
    if facts is None:  # summarized before the summary kept the renders' inputs in one blob
        records, exclusions = records_in_force(storage, report)
        changes = read_json(storage.artifacts, layout.changes_blob_name(client_id, report_id))
    else:
        records, exclusions = records_in_force(storage, report, facts["exclusions"])
        changes = facts["changes"]
    items_blob = layout.change_items_blob_name(client_id, report_id)
    client_name, branding = branding_of(storage, client_id)
    return ReportInput(
        records=records,
        client=client_name,
        title=report.get("title") or report.get("fileName") or report_id,
        source_file=report.get("fileName") or job["uploadBlob"],
        generated_date=report.get("createdAt", ""),
        export_date=report.get("exportDate") or "",
        changes=changes,
        exclusions=exclusions["rules"],
        branding=branding,
        notes=report.get("notes") or "",
        facts=facts,
        trend=(facts or {}).get("trend") or (),
        appendix=job.get("appendix") or report.get("appendix") or layout.DEFAULT_APPENDIX,
        # Facts of an older summary list every change themselves (no items blob then).
        change_items=(lambda: json_lines(storage.artifacts, items_blob) or ())
        if facts is not None and "savingsByCategory" in (changes or {}) else None,
    )


def _render_one(storage: Storage, job: dict[str, Any], data: ReportInput, report_type: str,
                fmt: str, name: str) -> dict[str, Any]:
    # A report of every row can be tens of MB: it is written to a file as it is made (kept
    # in memory while small) and uploaded from there in blocks, never held whole.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        with _RENDERING:
            started = time.perf_counter()
            write_report(report_type, fmt, data, out)
        size = out.tell()
        _log(job, "rendered %s.%s: %d bytes in %.1f s", report_type, fmt, size,
             time.perf_counter() - started)
        out.seek(0)
        encoding = stored_encoding(fmt)
        with gzipped(out) if encoding else contextlib.nullcontext(out) as body:
            stored = body.seek(0, 2)
            body.seek(0)
            result = storage.artifacts.get_blob_client(name).upload_blob(
                body, length=stored, overwrite=True,
                content_settings=ContentSettings(content_type=content_type(fmt),
                                                 content_encoding=encoding))
    # `size`: the file as the user saves it; stored compressed, it is a fraction of that.
    return {"reportType": report_type, "format": fmt, "blob": name, "size": size,
            "contentType": content_type(fmt), "etag": result["etag"].strip('"'),
            **({"contentEncoding": encoding, "storedSize": stored} if encoding else {})}


def finalize(storage: Storage, job: dict[str, Any], artifacts: list[dict[str, Any]],
             truncated: int = 0, merge: bool = False) -> None:
    """Mark the report completed; with `merge`, new artifacts replace those of the same type
    and format and the others stay."""
    report = (storage.reports.get(job["clientId"], job["reportId"]) or {}) \
        if merge or truncated else {}
    if merge:
        fresh = {(a["reportType"], a["format"]) for a in artifacts}
        kept = [a for a in report.get("artifacts") or []
                if (a["reportType"], a["format"]) not in fresh]
        artifacts = sorted(kept + artifacts, key=_artifact_order)
    fields: dict[str, Any] = {"status": "completed", "artifacts": artifacts,
                              "completedAt": now_iso(), "failureReason": ""}
    if truncated:
        warnings = [w for w in report.get("warnings", []) if w["code"] != "TruncatedValues"]
        warnings.append({"code": "TruncatedValues", "count": truncated, "lines": [],
                         "message": "Some values were longer than Table Storage allows and "
                                    "were shortened when stored; the reports show them whole."})
        fields["warnings"] = warnings
    storage.reports.update(job["clientId"], job["reportId"], fields)
    _log(job, "completed with %d artifact(s)", len(artifacts))


def _artifact_order(artifact: dict[str, Any]) -> tuple[int, int]:
    return (layout.REPORT_TYPES.index(artifact["reportType"]),
            layout.FORMATS.index(artifact["format"]))


def mark_failed(storage: Storage, job: dict[str, Any], reason: str,
                refusal: dict[str, Any] | None = None, keep_artifacts: bool = False) -> None:
    """Failed, with the reason; artifacts are unlisted unless they stay valid (a failed
    re-render leaves the earlier ones)."""
    try:
        report_of(storage, job)
    except (InvalidJob, ReportGone):  # not a report of ours, or deleted: nothing to mark
        return
    fields: dict[str, Any] = {"status": "failed", "failureReason": reason,
                              "completedAt": now_iso()}
    if not keep_artifacts:
        fields["artifacts"] = []
    if refusal:
        fields["refusal"] = refusal
        fields["errors"] = refusal.get("details") or [
            {k: refusal[k] for k in ("line", "column", "code", "message") if k in refusal}]
    try:
        storage.reports.update(job["clientId"], job["reportId"], fields)
    except ReportGone:  # deleted meanwhile
        return
    log.warning("report %s (client %s): failed: %s", job["reportId"], job["clientId"], reason,
                extra={"reportId": job["reportId"], "instanceId": job["reportId"],
                       "clientId": job["clientId"]})
