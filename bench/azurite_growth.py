"""What Azurite, the emulator the devhost stores into, costs a row as it holds more.

Not a benchmark of the app: the evidence behind a table a report (docs/architecture.md, "A
report's rows") and bench/ingest_scenarios.py's reading of its `churn` and `warm` times. The
same 100,000 report rows upserted (the SDK's transactions of 100, five threads, as the ceiling
writes them) into an empty table; then, once that table holds those and HELD_ROWS (400,000)
more and Azurite HELD_MB (300) MB of blobs, into a new table (as the app stores a report) and
into the same table (as it did when every report's rows shared one); Azurite's CPU seconds for
each, and their ratio (the wall time is mostly the client's, on the same cores).
Measured in sessions 13 and 14: 7.3-8.1 s of Azurite's CPU into the empty table, 10.7 s into
a new one beside the rows and blobs (1.47 x), 17.8-18.5 s into the same table (2.2-2.3 x).
`HELD_ROWS=0` or `HELD_MB=0` holds one of the two only: a new table beside 500,000 rows alone
1.23 x, beside 400 MB of blobs (and 100,000 rows) 1.06 x.
"""

from __future__ import annotations

import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from common import running_azurite

from shared.advisor.parse import parse_export
from shared.storage.recommendations import to_entity
from tests.support.exports import build_rows, to_csv

ROWS = 100_000
HELD_ROWS = int(os.environ.get("HELD_ROWS", "400000"))
HELD_MB = int(os.environ.get("HELD_MB", "300"))
SHARDS = 16


def azurite_cpu() -> float:
    """CPU seconds so far of the Azurite this process started (its node process)."""
    return sum(p.cpu_times().user + p.cpu_times().system
               for p in psutil.Process().children(recursive=True)
               if "node" in " ".join(p.cmdline()))


def upsert(tables: TableServiceClient, table: str, entities: list[dict]) -> tuple[float, float]:
    """(wall seconds, Azurite's CPU seconds) to upsert `entities`."""
    client = tables.get_table_client(table)
    partitions: dict[str, list[dict]] = {}
    for entity in entities:
        partitions.setdefault(entity["PartitionKey"], []).append(entity)

    def write(rows: list[dict]) -> None:
        for start in range(0, len(rows), 100):
            client.submit_transaction([("upsert", e) for e in rows[start:start + 100]])

    cpu, started = azurite_cpu(), time.perf_counter()
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(write, partitions.values()))
    return time.perf_counter() - started, azurite_cpu() - cpu


def main() -> None:
    records = parse_export(to_csv(build_rows(ROWS, seed=1))).records

    def report(name: str) -> list[dict]:
        return [to_entity(rec, name, SHARDS)[0] for rec in records]

    with running_azurite() as connection:
        tables = TableServiceClient.from_connection_string(connection)
        table = "growth" + uuid.uuid4().hex[:8]
        tables.create_table(table)
        wall, empty = upsert(tables, table, report("first"))
        print(f"{ROWS:,} rows into an empty table: {wall:.1f} s, Azurite's CPU {empty:.1f} s")
        for n in range(HELD_ROWS // ROWS):
            upsert(tables, table, report(f"held{n}"))
        blobs = BlobServiceClient.from_connection_string(connection) \
            .get_container_client("held")
        blobs.create_container()
        megabyte = os.urandom(1 << 20)
        for n in range(HELD_MB):
            blobs.upload_blob(f"blob{n}", megabyte, overwrite=True)
        tables.create_table(table + "own")
        for into, where in ((table + "own", "another"), (table, "the same")):
            wall, held = upsert(tables, into, report("last"))
            print(f"{ROWS:,} rows beside {HELD_ROWS + ROWS:,} rows of {where} table and "
                  f"{HELD_MB} MB of blobs: {wall:.1f} s, Azurite's CPU {held:.1f} s "
                  f"({held / empty:.2f} x)")


if __name__ == "__main__":
    main()
