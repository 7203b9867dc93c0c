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
    assert delete_orphaned_rows(storage) == 1
    assert storage.recommendations.query("vanished", 16) == []
    assert len(storage.recommendations.query("kept", 16)) == 10
    assert delete_orphaned_rows(storage) == 0

    storage.reports.update("acme", "kept", {"deletedAt": "2026-11-21T10:00:00Z"})
    assert unfinished_deletions(storage, now) == ["kept"]
    assert storage.reports.get("acme", "kept") is None
    assert storage.recommendations.query("kept", 16) == []

    storage.reports.create("acme", "stuck", {"status": "processing"})
    storage.reports.table.upsert_entity({"PartitionKey": "acme", "RowKey": "stuck",
                                         "updatedAt": "2026-11-21T01:00:00Z"})
    storage.reports.create("acme", "busy", {"status": "processing"})
    assert [r["reportId"] for r in stuck_reports(storage, now)] == ["stuck"]


def _tables(storage: Storage) -> set[str]:
    prefix = storage.settings.recommendations_table
    return {t.name for t in storage.clients.table.list_tables() if t.name.startswith(prefix)}


def test_a_reports_rows_are_a_table_of_their_own_deleted_in_one_call(storage_connection,
                                                                      unique_name):
    from shared.advisor.model import Recommendation
    from shared.services.reports import delete_report_data

    storage = make_storage(storage_connection, unique_name)
    rows = [Recommendation(line=n, recommendation="r") for n in range(2, 302)]
    storage.reports.create("acme", "20261207-a1b2c3", {"status": "completed", "shards": 4})
    assert storage.recommendations.store_shard("20261207-a1b2c3", rows, 4) == (300, 0)
    assert storage.recommendations.store_shard("20261207-a1b2c3", rows, 4) == (300, 0)
    own = layout.rows_table(storage.settings.recommendations_table, "20261207-a1b2c3")
    assert _tables(storage) == {own}
    entities = list(storage.clients.table.get_table_client(own).list_entities())
    assert len(entities) == 300  # stored twice, changed nothing
    assert {e["PartitionKey"] for e in entities} == {f"20261207-a1b2c3-{s:02d}" for s in range(4)}

    delete_report_data(storage, storage.reports.get("acme", "20261207-a1b2c3"))
    assert _tables(storage) == set()
    assert storage.recommendations.query("20261207-a1b2c3", 4) == []


def test_rows_stored_before_reports_had_tables_are_deleted_from_the_shared_table(
        storage_connection, unique_name):
    """Reports stored when every report's rows shared one table (named by the prefix alone)."""
    from shared.advisor.model import Recommendation
    from shared.services.cleanup import delete_orphaned_rows
    from shared.services.reports import delete_report_data
    from shared.storage.recommendations import to_entity

    storage = make_storage(storage_connection, unique_name)
    legacy = storage.clients.table.create_table(storage.settings.recommendations_table)
    for report_id in ("old-kept", "old-vanished"):
        for n in range(2, 42):
            legacy.upsert_entity(to_entity(Recommendation(line=n, recommendation="r"),
                                           report_id, 2)[0])
    storage.reports.create("acme", "old-kept", {"status": "completed", "shards": 2})

    assert delete_orphaned_rows(storage) == 1
    left = {e["PartitionKey"] for e in legacy.list_entities()}
    assert left == {"old-kept-00", "old-kept-01"}
    delete_report_data(storage, storage.reports.get("acme", "old-kept"))
    assert list(legacy.list_entities()) == []
