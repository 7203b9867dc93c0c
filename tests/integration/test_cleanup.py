"""Housekeeping against real Azurite: only failed reports past their retention go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.services.cleanup import delete_stale_failed_reports
from shared.settings import load_settings
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.factory import build_clients


def make_storage(connection: str, tag: str) -> Storage:
    env = {"AzureWebJobsStorage": connection, "REPORTS_TABLE": f"Reports{tag}",
           "RECOMMENDATIONS_TABLE": f"Recs{tag}", "CLIENTS_TABLE": f"Clients{tag}",
           "UPLOADS_CONTAINER": f"up-{tag}", "REPORTS_CONTAINER": f"rep-{tag}"}
    settings = load_settings(env)
    return Storage(settings, build_clients(env=env))


def test_old_failed_reports_are_deleted_with_their_data(storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    def report(report_id: str, status: str, age_days: int) -> None:
        created = (now - timedelta(days=age_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        upload = f"acme/{report_id}.csv"
        storage.uploads.upload_blob(upload, b"x", overwrite=True)
        storage.artifacts.upload_blob(layout.artifact_blob_name("acme", report_id, "cost", "pdf"),
                                      b"%PDF", overwrite=True)
        storage.reports.create("acme", report_id, {"status": status, "createdAt": created,
                                                   "uploadBlob": upload})

    report("old-failed", "failed", 8)
    report("new-failed", "failed", 6)
    report("old-completed", "completed", 40)
    assert delete_stale_failed_reports(storage, now, days=7) == ["old-failed"]
    assert storage.reports.get("acme", "old-failed") is None
    assert {r["reportId"] for r in storage.reports.list()} == {"new-failed", "old-completed"}
    assert not storage.uploads.get_blob_client("acme/old-failed.csv").exists()
    assert [b.name for b in storage.artifacts.list_blobs(name_starts_with="acme/old-failed/")] \
        == []
    assert storage.uploads.get_blob_client("acme/new-failed.csv").exists()


def test_orphaned_rows_and_half_done_deletes_are_cleaned(storage_connection, unique_name):
    from shared.advisor.model import Recommendation
    from shared.services.cleanup import delete_orphaned_rows, stuck_reports, unfinished_deletions

    storage = make_storage(storage_connection, unique_name)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    rows = [Recommendation(line=n, recommendation="r") for n in range(2, 12)]
    storage.reports.create("acme", "kept", {"status": "completed", "createdAt": "x"})
    storage.recommendations.store_shard("kept", rows, 16)
    storage.recommendations.store_shard("vanished", rows, 16)  # its report row is gone
    assert delete_orphaned_rows(storage) == ["vanished"]
    assert storage.recommendations.query("vanished", 16) == []
    assert len(storage.recommendations.query("kept", 16)) == 10

    storage.reports.update("acme", "kept", {"deletedAt": "2026-11-21T10:00:00Z"})
    assert unfinished_deletions(storage, now) == ["kept"]
    assert storage.reports.get("acme", "kept") is None
    assert storage.recommendations.query("kept", 16) == []

    storage.reports.create("acme", "stuck", {"status": "processing"})
    storage.reports.table.upsert_entity({"PartitionKey": "acme", "RowKey": "stuck",
                                         "updatedAt": "2026-11-21T01:00:00Z"})
    storage.reports.create("acme", "busy", {"status": "processing"})
    assert [r["reportId"] for r in stuck_reports(storage, now)] == ["stuck"]
