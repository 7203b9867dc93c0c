"""Where things live in storage: blob names, table keys and shards (one place for all of them)."""

from __future__ import annotations

import hashlib
import zlib

REPORT_TYPES = ("executive", "detailed", "cost", "security", "operations")
FORMATS = ("html", "pdf", "xlsx", "pptx")
DEFAULT_FORMATS = ("html", "pdf")  # the workbook and the deck are made when asked for
# How much of every row a specialist PDF lists in its appendix: all of them, the first ones
# (TOP_ROWS; the workbook and the API hold every row) or none. HTML always lists every row.
APPENDIX_CHOICES = ("all", "top", "none")
DEFAULT_APPENDIX = "top"
# Formats made for some report types only: a deck presents the executive summary.
ONLY_FOR = {"pptx": ("executive",)}


def artifact_pairs(report_types: list[str] | tuple[str, ...],
                   formats: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """The (type, format) artifacts of a request, in report type order: every type in every
    format it is made in."""
    return [(t, f) for t in report_types for f in formats if t in ONLY_FOR.get(f, (t,))]


# Logos live beside the reports under a folder no client id can name (slugs have no "_").
BRANDING_FOLDER = "_branding/"
PARTNER_LOGO_BLOB = f"{BRANDING_FOLDER}partner/logo"


def client_logo_blob_name(client_id: str) -> str:
    return f"{BRANDING_FOLDER}clients/{client_id}/logo"


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


def facts_blob_name(client_id: str, report_id: str) -> str:
    """Each report type's statistics and action plan, worked out once for all the renders."""
    return f"{client_id}/{report_id}/report-facts.json"


def finding_index_blob_name(client_id: str, report_id: str) -> str:
    """Each row in force's finding number and line (advisor.finding_index), for the client's
    next report to be compared with this one without reading its rows."""
    return f"{client_id}/{report_id}/finding-index.npz"


def exclusions_blob_name(client_id: str, report_id: str) -> str:
    """Which rows the client's exclusion rules took out of the figures, and the rules."""
    return f"{client_id}/{report_id}/exclusions.json"


def changes_blob_name(client_id: str, report_id: str) -> str:
    return f"{client_id}/{report_id}/changes.json"


def change_items_blob_name(client_id: str, report_id: str) -> str:
    """Every new and resolved finding, a JSON line each, for the renders that list them all."""
    return f"{client_id}/{report_id}/change-items.jsonl"


ROWS_PER_SHARD = 2_500


def shards_for(rows: int, cap: int = 16) -> int:
    """How many shards a report's rows are staged and stored in: one per ROWS_PER_SHARD rows,
    at least one, at most `cap` (RECOMMENDATION_SHARDS). Few for small exports, where each
    extra shard is one more activity and orchestration episode; more for large ones, where
    shards are what stores in parallel. The reasoning, with Azure's numbers: docs/scale.md."""
    return max(1, min(cap, -(-rows // ROWS_PER_SHARD)))


def shard_of(line: int, shards: int) -> int:
    """A stable hash of the row key spreads rows evenly over the shards."""
    return zlib.crc32(str(line).encode()) % shards


# A report's rows live in a table of their own, named by the RECOMMENDATIONS_TABLE prefix and a
# digest of the report id (table names are 3-63 letters and digits; report ids may hold dashes
# and run to 100 characters; settings keep the prefix to 31). Why a table a report:
# docs/architecture.md, "A report's rows".
ROWS_TABLE_DIGEST = 32  # hex digits: 128 bits


def rows_table(prefix: str, report_id: str) -> str:
    """The table holding one report's rows."""
    return prefix + hashlib.sha256(report_id.encode()).hexdigest()[:ROWS_TABLE_DIGEST]


def is_rows_table(prefix: str, name: str) -> bool:
    """Whether a table is some report's rows table under this prefix (Azure compares table
    names without case)."""
    digest = name[len(prefix):]
    return (name[:len(prefix)].lower() == prefix.lower() and len(digest) == ROWS_TABLE_DIGEST
            and all(c in "0123456789abcdef" for c in digest.lower()))


def partition_key(report_id: str, shard: int) -> str:
    return f"{report_id}-{shard:02d}"


def report_of_partition(partition: str) -> str:
    """The report id of a rows partition key (`{reportId}-{shard:02d}`)."""
    return partition.rsplit("-", 1)[0]


def row_key(line: int) -> str:
    return f"{line:010d}"


# What imports learnt about recommendation types (Advisor's own texts, no client's data),
# beside the branding under a folder no client id can name.
CATALOGUE_BLOB = "_catalogue/recommendation-types.json"


def import_part_blob_name(client_id: str, report_id: str, index: int) -> str:
    """What an import read from its subscription `index`: its export lines, or its error."""
    return f"{client_id}/{report_id}/import/subscription-{index:03d}.csv"
