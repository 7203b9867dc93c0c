"""A scheduled import is claimed once per client and period, against Azurite: of timers firing
together (threads here, instances on Azure), exactly one wins; a claim whose report never came
is taken over once it is stale."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from shared.services import imports
from tests.integration.test_cleanup import make_storage

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SUB = "3f2a1b4c-0000-4000-8000-000000000001"


def _client(storage, client_id: str, **fields) -> None:
    schedule = {"frequency": "monthly", "day": 1, "hour": 6, "since": "2026-01-01T00:00:00Z"}
    storage.client_records.table.upsert_entity({
        "PartitionKey": "client", "RowKey": client_id, "name": client_id, "active": True,
        "subscriptionIds": json.dumps([SUB]), "importSchedule": json.dumps(schedule),
        **fields})


def test_of_timers_firing_together_exactly_one_claims_each_client(storage_connection,
                                                                  unique_name):
    storage = make_storage(storage_connection, unique_name)
    for client_id in ("contoso", "fabrikam"):
        _client(storage, client_id)
    _client(storage, "asleep", active=False)
    _client(storage, "nosubs", subscriptionIds="")

    def fire(_: int) -> list[str]:
        won = []
        for client, period in imports.due(storage, NOW):
            report_id = imports.claim(storage, client["clientId"], period, NOW)
            if report_id:
                imports.stage_scheduled(storage, client, period, report_id)
                won.append(report_id)
        return won

    with ThreadPoolExecutor(max_workers=8) as pool:
        won = [r for run in pool.map(fire, range(8)) for r in run]
    assert sorted(won) == sorted(imports.scheduled_report_id(c, "2026-12")
                                 for c in ("contoso", "fabrikam"))
    report = storage.reports.get("contoso", won[0]) or storage.reports.get("fabrikam", won[0])
    assert report["importTrigger"] == "schedule" and report["importSubscriptions"] == [SUB]
    assert report["title"] == "Azure Advisor, 2026-12"
    assert fire(0) == []  # a later run of the timer finds the period claimed


def test_a_stale_claim_without_its_report_is_taken_over_once(storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    _client(storage, "contoso")
    first = imports.claim(storage, "contoso", "2026-12", NOW)
    assert first is not None  # ... and its claimer died before making the report
    assert imports.claim(storage, "contoso", "2026-12", NOW + timedelta(minutes=5)) is None
    later = NOW + imports.STALE_CLAIM + timedelta(minutes=1)
    with ThreadPoolExecutor(max_workers=6) as pool:
        taken = list(pool.map(lambda _: imports.claim(storage, "contoso", "2026-12", later),
                              range(6)))
    assert [t for t in taken if t] == [first]
    imports.delete_claims(storage, "contoso")
    assert imports.claim(storage, "contoso", "2026-12", NOW) == first  # afresh
