"""The ingest pipeline on the devhost and Azurite: 5,000, 50,000 and 200,000-row exports.

For each size, in the same run and with the same processes (a fresh devhost with two worker
processes, as `make run` has, on its own Azurite):
  (a) the store ceiling: the same entities written straight into a table with the SDK's
      100-entity `submit_transaction` (the raw write issue 18 measures against), split over
      the same worker processes and threads; and the same with the app's own batch writer;
  (b) upload to completed, with all ten artifacts (median of 3 for 5,000 rows, warm: the
      first upload of a fresh host is not counted; its ceilings are medians of 3 too): from
      the upload's start to the orchestration's completion as its status records it, so the
      bench's poll interval (0.2 s, up to a tenth of a 5,000-row run) does not count; when
      the poll saw the report completed is printed beside it;
  (c) their ratio, and the peak resident memory (VmHWM) of the host and of each worker.
Targets (issue 18): 5k <= 1.3 x its raw write; 50k <= 1.3 x the ceiling (the same write);
200k with host and worker peaks <= 400 MB each. `ROWS=1000000 python bench/ingest.py` runs
one size by hand: an export over the 100 MiB an HTTP upload may carry (as on Azure) is dropped
into the uploads container instead, with MAX_UPLOAD_BYTES raised to fit it; its figure is
memory (peaks <= 600 MB), so the store ceilings are left out.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import statistics
import tempfile
import time
import uuid
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from azure.core.exceptions import ResourceExistsError, ServiceResponseError
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient, ContainerClient
from common import ROOT, running_azurite

from devhost.workers import peak_mb
from shared.advisor.parse import parse_export
from shared.storage.batch import upsert_transaction
from shared.storage.layout import shards_for
from shared.storage.recommendations import to_entity
from shared.storage.tables import chunks
from tests.support.app import start_app, upload, wait_report
from tests.support.devhost_process import DevhostProcess
from tests.support.exports import build_rows, to_csv

SIZES = [int(n) for n in os.environ.get("ROWS", "5000,50000,200000").split(",")]
# SCENARIOS=fresh,baseline,churn,warm runs the scenarios of a client with history instead
# (bench/ingest_scenarios.py); `make bench` runs both.
SCENARIOS = [s for s in os.environ.get("SCENARIOS", "").split(",") if s]
CONCURRENCY = 10  # host.json maxConcurrentActivityFunctions
PROCESSES = 2  # FUNCTIONS_WORKER_PROCESS_COUNT, as `make run` sets it
CEILING_PARTITIONS = 16
SMALL = 5000  # sizes up to this are timed as the median of 3 warm runs
RATIO_TARGET = 1.3  # upload to completed against the raw write of the same rows
PEAK_TARGET_MB = 400
PEAK_TARGET_1M_MB = 600
HTTP_LIMIT = 100 * 1024 * 1024  # the app's default MAX_UPLOAD_BYTES, Azure Functions' body limit


def _write_partitions(connection: str, table_name: str, partitions: list[list[dict]],
                      sdk: bool) -> None:
    table = TableServiceClient.from_connection_string(connection).get_table_client(table_name)

    def write(rows: list[dict]) -> None:
        if not sdk:
            for chunk in chunks(rows):  # the app's own writer, as store_shard sends rows
                upsert_transaction(table, chunk)
            return
        for start in range(0, len(rows), 100):
            batch = [("upsert", e) for e in rows[start:start + 100]]
            try:
                table.submit_transaction(batch)
            except ServiceResponseError:  # Azurite dropped the connection: upserts, send again
                table.submit_transaction(batch)

    with ThreadPoolExecutor(max_workers=CONCURRENCY // PROCESSES) as pool:
        list(pool.map(write, partitions))


def ceiling_seconds(connection: str, data: bytes, sdk: bool = False) -> float:
    """Seconds to write the export's rows straight into a table at the pipeline's concurrency:
    CEILING_PARTITIONS partitions (enough for every activity slot, whatever shard count the
    app picks) spread over the worker processes and their threads. `sdk`: with the SDK's
    submit_transaction instead of the app's writer (the ceiling as issue 18 first measured it).
    Into a new table, as a report's rows are."""
    records = parse_export(data).records
    shards = CEILING_PARTITIONS
    table_name = "ceiling" + uuid.uuid4().hex[:8]
    TableServiceClient.from_connection_string(connection).create_table(table_name)
    partitions: dict[str, list[dict]] = {}
    for rec in records:
        entity, _ = to_entity(rec, "ceiling", shards)
        partitions.setdefault(entity["PartitionKey"], []).append(entity)
    groups = [list(partitions.values())[i::PROCESSES] for i in range(PROCESSES)]
    with ProcessPoolExecutor(max_workers=PROCESSES) as pool:
        list(pool.map(int, [0] * PROCESSES))  # start the processes before the clock
        started = time.perf_counter()
        list(pool.map(_write_partitions, [connection] * PROCESSES, [table_name] * PROCESSES,
                      groups, [sdk] * PROCESSES))
        return time.perf_counter() - started


def peaks_mb(pid: int, activity_peaks: dict[int, int]) -> dict[str, int]:
    """Peak resident memory of a process and its child processes, by role. A worker's own
    record restarts when an activity starts in it idle, so its activities' peaks count too."""
    peaks = {"host": peak_mb(pid)}
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [c for c in children if "spawn_main" in _cmdline(int(c))
               and "resource_tracker" not in _cmdline(int(c))]
    for n, child in enumerate(workers, 1):
        peaks[f"worker {n}"] = max(peak_mb(int(child)), activity_peaks.get(int(child), 0))
    return peaks


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def end_to_end(host, data: bytes, drop: ContainerClient | None = None,
               client: str = "bench") -> Run:
    """Seconds from the upload (or, with `drop`, the blob drop) to the completed report."""
    started_at, started = time.time(), time.perf_counter()
    if drop is None:
        report_id = upload(host, data, title="Benchmark", clientId=client).json()["reportId"]
    else:
        name = f"{client}/{uuid.uuid4().hex[:8]}.csv"
        drop.upload_blob(name, data, max_concurrency=4)
        report_id = _report_of_drop(host, name, client)
    report = wait_report(host, report_id, timeout=3600)
    seen = time.perf_counter() - started
    if report["status"] != "completed" or len(report["artifacts"]) != 10:
        raise SystemExit(f"report did not complete: {report.get('failureReason')}")
    # The status's own times are whole seconds; its history's events carry microseconds.
    status = host.wait_for_status(host.status_url(report_id) + "&showHistory=true")
    last = status["historyEvents"][-1]
    if last["EventType"] != "ExecutionCompleted":
        raise SystemExit(f"the orchestration did not complete: {last}")
    ended = datetime.fromisoformat(last["Timestamp"].replace("Z", "+00:00"))
    return Run(ended.timestamp() - started_at, seen)


class Run(NamedTuple):
    """When the orchestration completed (its history's last event, on this machine's clock),
    and when the bench's poll of the report (every 0.2 s) saw it."""
    completed: float
    seen: float


def _report_of_drop(host, blob_name: str, client: str) -> str:
    """The report the blob trigger made of a dropped blob (it polls the container)."""
    file_name = blob_name.rsplit("/", 1)[1]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = host.request("GET", "api/reports", params={"clientId": client})
        if r.status_code == 200:
            for report in r.json()["results"]:
                if report.get("fileName") == file_name:
                    return report["reportId"]
        time.sleep(0.5)
    raise SystemExit(f"no report for the dropped blob {blob_name}")


# The app's own memory settings, as Azure's app settings and `make run` (the sample local
# settings) give them: the test harness's devhost reads no local settings.
APP_MEMORY_SETTINGS = {name: value for name, value in json.loads(
    (ROOT / "local.settings.sample.json").read_text())["Values"].items()
    if name.startswith("MALLOC_")}


def start_bench_app(connection: str, data_dir: Path, largest: int
                    ) -> tuple[DevhostProcess, ContainerClient | None]:
    """The app as `make run` runs it, each activity's memory logged; when an export of
    `largest` bytes is over what an HTTP upload may carry, MAX_UPLOAD_BYTES raised to fit it
    and the uploads container to drop it into (made here: the app makes it on first use)."""
    dropped = largest > HTTP_LIMIT
    limits = {"MAX_UPLOAD_BYTES": str(largest + 1)} if dropped else {}
    host, names = start_app(connection, data_dir, FUNCTIONS_WORKER_PROCESS_COUNT=str(PROCESSES),
                            DEVHOST_ACTIVITY_MEMORY="1", **APP_MEMORY_SETTINGS, **limits)
    if not dropped:
        return host, None
    drop = BlobServiceClient.from_connection_string(connection) \
        .get_container_client(names.uploads)
    with contextlib.suppress(ResourceExistsError):
        drop.create_container()
    return host, drop


def measure(rows: int) -> None:
    data = to_csv(build_rows(rows, seed=1))
    dropped = len(data) > HTTP_LIMIT
    with running_azurite() as connection, tempfile.TemporaryDirectory() as tmp:
        host, drop = start_bench_app(connection, Path(tmp), len(data))
        try:
            if rows <= SMALL:
                end_to_end(host, data)  # warm: imports, worker start, first tables
                runs = [end_to_end(host, data) for _ in range(3)]
                total = statistics.median(r.completed for r in runs)
                seen = statistics.median(r.seen for r in runs)
            else:
                total, seen = end_to_end(host, data, drop)
            by_activity, by_process = activity_peaks(host.log())
            peaks = peaks_mb(host.proc.pid, by_process)
        finally:
            host.stop()
        print(f"{rows:>9,} rows ({len(data) / 1e6:5.1f} MB, {shards_for(rows)} shards): "
              f"{'blob drop' if dropped else 'upload'}->completed {total:6.2f} s "
              f"(seen by the poll at {seen:.2f} s)", end="")
        if dropped:  # the figure at this size is memory; writing 1M rows twice more
            print(" (store ceilings not measured)")  # would take ten minutes
        else:
            # Timed as often as the upload is: one write of 5,000 rows took 1.5-2.0 s from
            # run to run, so a single write made the ratio swing by a quarter.
            repeats = 3 if rows <= SMALL else 1
            sdk_ceiling = statistics.median(ceiling_seconds(connection, data, sdk=True)
                                            for _ in range(repeats))
            ceiling = statistics.median(ceiling_seconds(connection, data)
                                        for _ in range(repeats))
            ratio = total / sdk_ceiling
            print(f"\n           store ceiling (the SDK's submit_transaction) {sdk_ceiling:.2f} s: "
                  f"ratio {ratio:4.2f} (target <= {RATIO_TARGET}) -> "
                  f"{'met' if ratio <= RATIO_TARGET else 'NOT met'}")
            print(f"           the app's own batch writer writes them in {ceiling:.2f} s "
                  f"(ratio {total / ceiling:.2f})")
    target = PEAK_TARGET_MB if rows < 1_000_000 else PEAK_TARGET_1M_MB
    verdict = "met" if max(peaks.values()) <= target else "NOT met"
    print("           peak RSS: " + ", ".join(f"{k} {v:,.0f} MB" for k, v in peaks.items())
          + (f" (target <= {target} MB -> {verdict})" if rows >= 200_000 else ""))
    print("           largest peak of a worker during each activity: " + ", ".join(
        f"{name} {mb:,} MB" for name, mb in sorted(by_activity.items(), key=lambda i: -i[1])))


def activity_peaks(log: str) -> tuple[dict[str, int], dict[int, int]]:
    """The largest peak each activity reached in its worker, and each worker's largest, from
    devhost's DEVHOST_ACTIVITY_MEMORY log lines (each the worker's peak over the busy stretch
    the activity ran in)."""
    by_activity: dict[str, int] = {}
    by_process: dict[int, int] = {}
    for name, mb, pid in re.findall(r"Executed '(\w+)' .* peak=(\d+)MB pid=(\d+)", log):
        by_activity[name] = max(by_activity.get(name, 0), int(mb))
        by_process[int(pid)] = max(by_process.get(int(pid), 0), int(mb))
    return by_activity, by_process


def main() -> None:
    if SCENARIOS:
        import ingest_scenarios  # it imports this module's helpers

        ingest_scenarios.main(SCENARIOS)
        return
    print(f"ingest on the devhost: {CONCURRENCY} activity slots, {PROCESSES} worker processes; "
          "ratios against the same-run store ceiling")
    print("upload->completed: from the upload's start to the orchestration's completion as it "
          "recorded it (the bench polls the report every 0.2 s; when it saw it follows)")
    for rows in SIZES:
        measure(rows)


if __name__ == "__main__":
    main()
