"""Caps under concurrency on a real Azurite (issue 30, case 6): racing creates end at exactly
the cap, deletes and revokes free places, and a partition made before the counter is counted."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from shared.advisor.exclusions import MAX_RULES
from shared.http.errors import ApiError
from shared.services import exclusions, shares
from shared.settings import Settings
from shared.storage import caps
from shared.storage.context import Storage
from shared.storage.factory import build_clients

NOW = datetime(2026, 11, 18, tzinfo=UTC)


@pytest.fixture
def storage(storage_connection, unique_name):
    return Storage(Settings(exclusions_table=f"Ex{unique_name}", shares_table=f"Sh{unique_name}"),
                   build_clients(env={"AzureWebJobsStorage": storage_connection}))


def _create(storage: Storage, client: str, i: int) -> int:
    try:
        exclusions.create(storage, client, {"resourceGroup": f"rg-{i}", "reason": "decided",
                                            "kind": "accepted-risk"}, "test")
    except ApiError as refused:
        assert refused.code == "TooManyRules", refused.message
        return 0
    return 1


def test_concurrent_rule_creates_end_at_exactly_the_cap(storage):
    client = "contoso"
    # 480 made (their counter counts them), then 60 racing for the last 20 places.
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(lambda i: _create(storage, client, i), range(480))) == 480
    with ThreadPoolExecutor(max_workers=16) as pool:
        started = time.perf_counter()
        made = sum(pool.map(lambda i: _create(storage, client, i), range(480, 540)))
    print(f"60 racing creates took {time.perf_counter() - started:.1f} s")
    assert made == MAX_RULES - 480
    assert len(exclusions.rules_of(storage, client)) == MAX_RULES
    assert storage.exclusions.get_entity(client, caps.COUNTER)["count"] == MAX_RULES
    # A delete frees one place, exactly one; racing deletes of one rule remove it once.
    rule_id = exclusions.rules_of(storage, client)[0]["ruleId"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda _: _delete(storage, client, rule_id), range(4)))
    assert sorted(outcomes) == [204, 404, 404, 404]
    assert storage.exclusions.get_entity(client, caps.COUNTER)["count"] == MAX_RULES - 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(lambda i: _create(storage, client, i), range(8))) == 1
    assert len(exclusions.rules_of(storage, client)) == MAX_RULES


def _delete(storage: Storage, client: str, rule_id: str) -> int:
    try:
        exclusions.delete(storage, client, rule_id)
    except ApiError as refused:
        return refused.status
    return 204


def test_rules_made_before_the_counter_are_counted(storage):
    client = "legacy"
    for i in range(MAX_RULES - 2):  # as the code before counters wrote them
        storage.exclusions.create_entity({"PartitionKey": client, "RowKey": f"ex-{i:012x}",
                                          "resourceGroup": f"rg-{i}", "reason": "r",
                                          "kind": "accepted-risk",
                                          "createdAt": "2026-01-01T00:00:00Z"})
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(lambda i: _create(storage, client, i), range(10))) == 2
    assert len(exclusions.rules_of(storage, client)) == MAX_RULES


def _share(storage: Storage, report: dict) -> int:
    try:
        shares.create(storage, report, [{"reportType": "executive", "format": "pdf"}], 24,
                      None, "test", NOW)
    except ApiError as refused:
        assert refused.code == "TooManyShares", refused.message
        return 0
    return 1


def test_concurrent_share_creates_end_at_exactly_the_cap(storage):
    report = {"reportId": "r-1", "clientId": "contoso",
              "artifacts": [{"reportType": "executive", "format": "pdf"}]}
    with ThreadPoolExecutor(max_workers=16) as pool:
        made = sum(pool.map(lambda _: _share(storage, report), range(shares.MAX_SHARES_PER_REPORT
                                                                     + 30)))
    assert made == shares.MAX_SHARES_PER_REPORT
    listed = shares.list_shares(storage, "r-1", NOW)
    assert len(listed) == shares.MAX_SHARES_PER_REPORT
    # Every listed share is reachable from an index row; refused ones left no index row.
    index = list(storage.shares.query_entities("PartitionKey eq 'token'"))
    assert len(index) == shares.MAX_SHARES_PER_REPORT
    # Revoking frees a place (twice revoking, once); delete_all leaves nothing behind.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: shares.revoke(storage, "r-1", listed[0]["shareId"], NOW),
                      range(4)))
    assert storage.shares.get_entity("r-1", caps.COUNTER)["count"] == \
        shares.MAX_SHARES_PER_REPORT - 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(lambda _: _share(storage, report), range(8))) == 1
    shares.delete_all(storage, "r-1")
    assert list(storage.shares.list_entities()) == []
