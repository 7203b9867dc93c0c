"""The ingest pipeline on the devhost and Azurite, for a 50,000-row export.

Measured in the same run:
  (a) the storage ceiling: the same entities written directly with 100-entity transactions,
      at the pipeline's concurrency (one thread per activity slot);
  (b) the pipeline's store stage, in rows per second (from the orchestration's progress);
  (c) upload to completed, with all ten artifacts.
Targets: store stage >= 0.8 x the ceiling; end to end <= 45 s.
"""

from __future__ import annotations

import json
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import requests
from azure.data.tables import TableServiceClient
from common import running_azurite

from shared.advisor.parse import parse_export
from shared.storage.recommendations import to_entity
from shared.storage.tables import upsert_all
from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

ROWS = 50_000
SHARDS = 16
CONCURRENCY = 10  # host.json maxConcurrentActivityFunctions
PROCESSES = 2  # FUNCTIONS_WORKER_PROCESS_COUNT, as `make run` sets it


def _write_partitions(connection: str, table_name: str, partitions: list[list[dict]]) -> None:
    table = TableServiceClient.from_connection_string(connection).get_table_client(table_name)
    with ThreadPoolExecutor(max_workers=CONCURRENCY // PROCESSES) as pool:
        list(pool.map(lambda rows: upsert_all(table, rows), partitions))


def ceiling(connection: str, data: bytes) -> float:
    """Rows/s writing the same entities directly, with the pipeline's processes and threads."""
    records = parse_export(data).records
    table_name = "ceiling" + uuid.uuid4().hex[:8]
    TableServiceClient.from_connection_string(connection).create_table(table_name)
    partitions: dict[str, list[dict]] = {}
    for rec in records:
        entity, _ = to_entity(rec, "ceiling", SHARDS)
        partitions.setdefault(entity["PartitionKey"], []).append(entity)
    groups = [list(partitions.values())[i::PROCESSES] for i in range(PROCESSES)]
    with ProcessPoolExecutor(max_workers=PROCESSES) as pool:
        started = time.perf_counter()
        list(pool.map(_write_partitions, [connection] * PROCESSES, [table_name] * PROCESSES,
                      groups))
        return len(records) / (time.perf_counter() - started)


def main() -> None:
    data = to_csv(build_rows(ROWS, seed=1))
    with running_azurite() as connection, tempfile.TemporaryDirectory() as tmp:
        ceiling_rate = ceiling(connection, data)
        # As `make run` does (local.settings.sample.json): two worker processes, two cores.
        host, _ = start_app(connection, Path(tmp), FUNCTIONS_WORKER_PROCESS_COUNT=str(PROCESSES))
        try:
            started = time.perf_counter()
            r = upload(host, data, title="Benchmark")
            status_url = r.json()["statusQueryGetUri"]
            store_start = store_end = None
            while store_end is None:
                custom = requests.get(status_url, timeout=30).json().get("customStatus") or {}
                stage = custom.get("stage")
                now = time.perf_counter()
                if stage == "storing" and store_start is None:
                    store_start = now
                if stage not in (None, "queued", "validating", "storing") and store_start:
                    store_end = now
                if stage == "failed":
                    raise SystemExit(json.dumps(custom))
                time.sleep(0.05)
            report = wait_report(host, r.json()["reportId"], timeout=600)
            total = time.perf_counter() - started
            slowest = sorted((line for line in host.log().splitlines()
                              if "Executed 'render_report'" in line or
                              "Executed 'store_recommendations'" in line),
                             key=lambda line: -int(line.split("duration=")[1].split("ms")[0]))
        finally:
            host.stop()
    store_rate = ROWS / (store_end - store_start)
    print(f"ingest of a {ROWS:,}-row export ({len(data) / 1e6:.1f} MB), {SHARDS} shards, "
          f"{CONCURRENCY} activity slots, {PROCESSES} worker processes")
    print(f"  storage ceiling (direct 100-entity transactions): {ceiling_rate:8,.0f} rows/s")
    print(f"  pipeline store stage:                            {store_rate:8,.0f} rows/s "
          f"= {store_rate / ceiling_rate:.2f} x ceiling (target >= 0.8)")
    print(f"  upload to completed ({len(report['artifacts'])} artifacts):              "
          f"{total:8.1f} s (target <= 45 s)  -> {'met' if total <= 45 else 'NOT met'}")
    print("  slowest activities:")
    for line in slowest[:4]:
        print("   ", line.split("INFO devhost.invocation: ")[1].split(" id=")[0],
              line.split("duration=")[1].split(" ")[0])


if __name__ == "__main__":
    main()
