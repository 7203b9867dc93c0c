"""Rate-limit counters and audit entries on a real Azurite through the real SDK."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from azure.data.tables import TableServiceClient

from shared.http import rate_limits
from shared.services import audit
from shared.settings import Settings
from shared.storage.context import Storage
from shared.storage.factory import build_clients


def table(connection: str, name: str):
    service = TableServiceClient.from_connection_string(connection)
    service.create_table_if_not_exists(name)
    return service.get_table_client(name)


def test_a_window_allows_exactly_the_limit_under_concurrent_callers(storage_connection,
                                                                      unique_name):
    counters = table(storage_connection, unique_name)
    now = 1_000_040.0  # a fixed clock: every call lands in the window from 1,000,020

    def one(_: int) -> bool:
        return rate_limits.check(counters, "uploads", "id:ana", 25, 60, now).allowed

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(one, range(60)))
    assert allowed == 25
    refused = rate_limits.check(counters, "uploads", "id:ana", 25, 60, now)
    assert not refused.allowed and refused.retry_after == 40  # the window ends at 1,000,080
    # Another caller, another class, the next window: counted apart.
    assert rate_limits.check(counters, "uploads", "id:bob", 25, 60, now).allowed
    assert rate_limits.check(counters, "reads", "id:ana", 25, 60, now).allowed
    assert rate_limits.check(counters, "uploads", "id:ana", 25, 60, now + 40).allowed
    assert rate_limits.check(counters, "uploads", "id:ana", 0, 60, now).allowed  # 0: off
    assert rate_limits.purge(counters, now + 200) == 4
    assert list(counters.list_entities()) == []


def test_reserved_slots_never_exceed_a_large_limit(storage_connection, unique_name):
    counters = table(storage_connection, unique_name)
    now = 2_000_010.0

    def one(_: int) -> bool:
        return rate_limits.check(counters, "reads", "id:ana", 100, 60, now).allowed

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(one, range(300))) == 100
    # Slots go five at a time (a twentieth): the counter shows every one reserved.
    assert counters.get_entity("reads", "id:ana|1999980")["count"] == 100


def test_caller_keys_never_hold_the_key():
    assert rate_limits.caller_key("oid-1", "ana", "secret") == "id:oid-1"
    assert rate_limits.caller_key("", "ana", "secret") == "name:ana"
    assert "secret" not in rate_limits.caller_key("", "", "secret")


def test_audit_entries_come_newest_first_filter_and_expire(storage_connection, unique_name):
    storage = Storage(Settings(audit_table=unique_name),
                      build_clients(env={"AzureWebJobsStorage": storage_connection}))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day in range(5):
        moment = start + timedelta(days=day)
        audit.record(storage, audit.AuditEntry(
            action="deleteReport" if day % 2 else "uploadReport", actor=f"user{day}",
            targets={"reportId": f"r{day}"}, request_id=f"req{day}", client_id="c1"),
            now_ns=int(moment.timestamp() * 1e9))
    entries = audit.query(storage)
    assert [e["requestId"] for e in entries] == ["req4", "req3", "req2", "req1", "req0"]
    assert [e["requestId"] for e in audit.query(storage, action="deleteReport")] == \
        ["req3", "req1"]
    between = audit.query(storage, start=start + timedelta(days=1),
                          end=start + timedelta(days=3))
    assert [e["requestId"] for e in between] == ["req3", "req2", "req1"]
    assert audit.query(storage, client_ids=frozenset({"other"})) == []
    assert audit.query(storage, actor="USER2")[0]["actor"]["name"] == "user2"
    assert audit.purge(storage, start + timedelta(days=10), days=7) == 3
    assert [e["requestId"] for e in audit.query(storage)] == ["req4", "req3"]
