"""Where things live in storage: blob names, table keys and shards (one place for all of them)."""

from __future__ import annotations

import zlib

REPORT_TYPES = ("executive", "detailed", "cost", "security", "operations")
FORMATS = ("html", "pdf")


def upload_blob_name(client_id: str, report_id: str) -> str:
    """An upload through the API: `{clientId}/{reportId}.csv` in the uploads container."""
    return f"{client_id}/{report_id}.csv"


def report_prefix(client_id: str, report_id: str) -> str:
    return f"{client_id}/{report_id}/"


def artifact_blob_name(client_id: str, report_id: str, report_type: str, fmt: str) -> str:
    return f"{client_id}/{report_id}/{report_type}.{fmt}"


def shard_blob_name(client_id: str, report_id: str, shard: int) -> str:
    """The validated rows of one shard, as JSON Lines (the report's data, kept with it)."""
    return f"{client_id}/{report_id}/data/shard-{shard:02d}.jsonl"


def statistics_blob_name(client_id: str, report_id: str) -> str:
    return f"{client_id}/{report_id}/statistics.json"


def actions_blob_name(client_id: str, report_id: str) -> str:
    return f"{client_id}/{report_id}/actions.json"


def exclusions_blob_name(client_id: str, report_id: str) -> str:
    """Which rows the client's exclusion rules took out of the figures, and the rules."""
    return f"{client_id}/{report_id}/exclusions.json"


def changes_blob_name(client_id: str, report_id: str) -> str:
    return f"{client_id}/{report_id}/changes.json"


def shard_of(line: int, shards: int) -> int:
    """A stable hash of the row key spreads rows evenly over the shards."""
    return zlib.crc32(str(line).encode()) % shards


def partition_key(report_id: str, shard: int) -> str:
    return f"{report_id}-{shard:02d}"


def report_of_partition(partition: str) -> str:
    """The report id of a Recommendations partition key (`{reportId}-{shard:02d}`)."""
    return partition.rsplit("-", 1)[0]


def row_key(line: int) -> str:
    return f"{line:010d}"
