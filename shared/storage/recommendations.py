"""A report's rows: a table of its own (`layout.rows_table`), one partition per shard, RowKey =
source line number. Reports stored before rows had tables of their own keep their rows in the
shared table named by the prefix itself (the legacy table): deletes look there too.

Writes are upserts with deterministic keys, so storing a shard twice changes nothing.
Properties over the Table service's limits (64 KiB per string, 1 MiB per entity) are
truncated and the truncation is reported, never rejected by the service.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby, islice
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient

from shared.advisor.model import IMPACT_RANK, IMPACTS, Recommendation
from shared.storage import layout
from shared.storage.batch import upsert_transaction
from shared.storage.tables import MAX_BATCH, delete_partition, ensure_table

MAX_STRING = 32_000  # characters: a string property holds 64 KiB of UTF-16
MAX_ENTITY_CHARS = 450_000  # leaves room under 1 MiB for names and overhead
_TEXT = {
    "category": "category", "impact": "impact", "recommendation": "recommendation",
    "subscription_id": "subscriptionId", "subscription_name": "subscriptionName",
    "resource_group": "resourceGroup", "resource_name": "resourceName",
    "resource_type": "resourceType", "resource_id": "resourceId", "updated": "updated",
    "potential_benefits": "potentialBenefits", "currency": "currency",
    "retirement_date": "retirementDate", "retiring_feature": "retiringFeature",
    "description_of_changes": "descriptionOfChanges", "solution": "solution",
    "recommendation_type_id": "recommendationTypeId", "learn_more_link": "learnMoreLink",
}


def _transactions(records: Iterable[Recommendation], report_id: str,
                  shards: int) -> Iterator[list[Recommendation]]:
    """Consecutive rows of the same partition, at most MAX_BATCH at a time (a staged shard is
    one partition, so in practice: its rows a hundred at a time, in the order staged)."""
    def partition(rec: Recommendation) -> str:
        return layout.partition_key(report_id, layout.shard_of(rec.line, shards))

    for _, rows in groupby(records, key=partition):
        while transaction := list(islice(rows, MAX_BATCH)):
            yield transaction


def to_entity(rec: Recommendation, report_id: str, shards: int) -> tuple[dict[str, Any], list[str]]:
    """(entity, names of truncated properties)."""
    entity: dict[str, Any] = {
        "PartitionKey": layout.partition_key(report_id, layout.shard_of(rec.line, shards)),
        "RowKey": layout.row_key(rec.line),
        "line": rec.line,
        "impactRank": IMPACT_RANK.get(rec.impact, len(IMPACTS)),
    }
    for field, name in _TEXT.items():
        value = getattr(rec, field)
        if value:
            entity[name] = value
    if rec.annual_savings is not None:
        entity["annualSavings"] = str(rec.annual_savings)
        entity["annualSavingsValue"] = float(rec.annual_savings)
    if rec.extra:
        entity["extra"] = json.dumps(rec.extra, ensure_ascii=False)
    return entity, _truncate(entity)


def _truncate(entity: dict[str, Any]) -> list[str]:
    truncated = []
    strings = [k for k, v in entity.items() if isinstance(v, str) and k not in (
        "PartitionKey", "RowKey")]
    for key in strings:
        if len(entity[key]) > MAX_STRING:
            entity[key] = entity[key][: MAX_STRING - 1] + "…"
            truncated.append(key)
    total = sum(len(entity[k]) for k in strings)
    for key in sorted(strings, key=lambda k: -len(entity[k])):
        if total <= MAX_ENTITY_CHARS:
            break
        keep = max(1000, len(entity[key]) - (total - MAX_ENTITY_CHARS))
        total -= len(entity[key]) - keep
        entity[key] = entity[key][: keep - 1] + "…"
        if key not in truncated:
            truncated.append(key)
    if truncated:
        entity["truncated"] = ",".join(truncated)
    return truncated


class RecommendationsRepository:
    """Each report's rows in a table of their own, one partition per shard (`{reportId}-{shard}`);
    each report's shard count is its own (see layout.shards_for)."""

    def __init__(self, service: TableServiceClient, prefix: str) -> None:
        self.service = service
        self.prefix = prefix
        self.legacy = service.get_table_client(prefix)

    def table(self, report_id: str) -> TableClient:
        return self.service.get_table_client(layout.rows_table(self.prefix, report_id))

    def store_shard(self, report_id: str, records: Iterable[Recommendation],
                    shards: int) -> tuple[int, int]:
        """Upsert rows as they come, up to 100 of one partition to a transaction, each row made
        an entity only when its transaction is sent: a store holds one transaction's rows, not
        its shard's (12,500 rows decoded and as entities held some 17 MB for the whole
        activity); (rows stored, rows with truncated properties)."""
        table = ensure_table(self.service, layout.rows_table(self.prefix, report_id))
        stored = truncated = 0
        for transaction in _transactions(records, report_id, shards):
            entities = []
            for rec in transaction:
                entity, cut = to_entity(rec, report_id, shards)
                entities.append(entity)
                truncated += bool(cut)
            upsert_transaction(table, entities)
            stored += len(entities)
        return stored, truncated

    def query(self, report_id: str, shards: int) -> list[dict[str, Any]]:
        """All rows of a report, the shards read in parallel (none when it has no table)."""
        table = self.table(report_id)

        def shard_rows(shard: int) -> list[dict[str, Any]]:
            return list(table.query_entities(
                "PartitionKey eq @pk", parameters={"pk": layout.partition_key(report_id, shard)}))

        try:
            with ThreadPoolExecutor(max_workers=min(shards, 8)) as pool:
                return [e for part in pool.map(shard_rows, range(shards)) for e in part]
        except ResourceNotFoundError:
            return []

    def delete_shard(self, report_id: str, shard: int) -> int:
        partition = layout.partition_key(report_id, shard)
        return sum(_delete_partition(t, partition) for t in (self.table(report_id), self.legacy))

    def delete_report(self, report_id: str, shards: int) -> None:
        """One call for the report's own table; a report stored before then, a partition a
        shard of the legacy table."""
        self.table(report_id).delete_table()  # no error when there is none
        for shard in range(shards):
            _delete_partition(self.legacy, layout.partition_key(report_id, shard))

    def delete_orphans(self, known_reports: Callable[[], Iterable[str]]) -> int:
        """Rows of reports that no longer exist: how many reports' rows went. The reports are
        listed after the tables, so a report whose rows began meanwhile is among them (its row
        is written before its first rows)."""
        tables = [t.name for t in self.service.list_tables()
                  if layout.is_rows_table(self.prefix, t.name)]
        known = set(known_reports())
        kept = {layout.rows_table(self.prefix, r).lower() for r in known}
        orphans = [t for t in tables if t.lower() not in kept]
        for name in orphans:
            self.service.delete_table(name)
        legacy: dict[str, set[str]] = {}
        try:
            for entity in self.legacy.list_entities(select=["PartitionKey"]):
                partition = entity["PartitionKey"]
                legacy.setdefault(layout.report_of_partition(partition), set()).add(partition)
        except ResourceNotFoundError:
            pass
        vanished = sorted(set(legacy) - known)
        for report_id in vanished:
            for partition in sorted(legacy[report_id]):
                delete_partition(self.legacy, partition)
        return len(orphans) + len(vanished)


def _delete_partition(table: TableClient, partition: str) -> int:
    """Rows deleted; none when the table does not exist."""
    try:
        return delete_partition(table, partition)
    except ResourceNotFoundError:
        return 0
