"""The exports users meet, beside bench/ingest.py's fresh ones: a client with history.

Each scenario on a fresh devhost (two worker processes, as `make run`) and its own Azurite:
  fresh     SCENARIO_ROWS (200,000) rows for a new client: the time the others are held to;
  baseline  the same rows for a client whose last report had 5,000 rows (other findings:
            nearly every finding is new, 5,000 resolved);
  churn     the same rows against a 190,000-row baseline (SCENARIO_ROWS x 0.95): 95 % of the
            baseline's findings persist, the rest resolved, the export's others new (5 % churn);
  warm      churn on a host that first processed four reports of other clients (WARM_ROWS,
            50,000 rows each), so the workers carry what those left in their heaps.
By hand, `SCENARIOS=churn SCENARIO_ROWS=1000000 BASELINE_ROWS=1000000` measures a million rows
against a million-row baseline (5 % churn); exports over the 100 MiB an HTTP upload may carry
are dropped into the uploads container instead, as bench/ingest.py does (target <= 600 MB).
Printed: upload to completed of the measured report (the baselines and warm-up reports are not
counted) and its ratio to `fresh` in the same run (target <= 1.15); the store ceiling (the same
rows written with the SDK, ingest.py's) measured afterwards on the same Azurite into a new table,
as a report's rows are (a table a report), and the ratio to `fresh` of each report's time
against its own ceiling: Azurite, on the same two cores, spends more CPU on everything the more
it holds (100,000 upserts into a new table cost it 1.23 x the CPU beside 500,000 rows of another
table, 1.06 x beside 400 MB of blobs; into the same table as those rows, 2.2-2.3 x: LokiJS, its
in-memory database, keeps a sorted index of PartitionKey and of RowKey per table, which every
insert searches and splices), which Azure's storage does not (the
ceiling's wall time is mostly the SDK's, on the same cores, so Azurite's
CPU during it is printed too); the seconds each function took and the CPU seconds of Azurite,
the devhost and each worker during the report; the peak resident memory of the host and of each
worker (target <= 400 MB), and the largest peak of a worker during each activity of the measured
report (DEVHOST_ACTIVITY_MEMORY=1). BENCH_LOG_DIR=<dir> keeps each measured report's devhost log
there.
`SCENARIOS=fresh,churn python bench/ingest.py` runs some of them.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import psutil
from azure.storage.blob import ContainerClient
from common import running_azurite
from ingest import (
    HTTP_LIMIT,
    PEAK_TARGET_1M_MB,
    PEAK_TARGET_MB,
    PROCESSES,
    activity_peaks,
    ceiling_seconds,
    end_to_end,
    peaks_mb,
    start_bench_app,
)

from tests.support.exports import build_rows, to_csv

ROWS = int(os.environ.get("SCENARIO_ROWS", "200000"))
WARM_ROWS = int(os.environ.get("WARM_ROWS", "50000"))
BASELINE_ROWS = int(os.environ.get("BASELINE_ROWS", str(int(ROWS * 0.95))))
TIME_TARGET = 1.15  # a client with history against a new client, same rows, same run
ALL = ("fresh", "baseline", "churn", "warm")


def _exports() -> tuple[bytes, dict[str, bytes]]:
    """The measured export, and each scenario's baseline."""
    rows = build_rows(ROWS, seed=1)
    kept = min(BASELINE_ROWS * 95 // 100, ROWS)  # 95 % of the baseline's findings persist
    # Other seeds give other resources (a finding is a recommendation on a resource).
    churn = to_csv(rows[:kept] + build_rows(BASELINE_ROWS - kept, seed=2))
    return to_csv(rows), {"baseline": to_csv(build_rows(5000, seed=2)), "churn": churn,
                          "warm": churn}


def _completed(host, data: bytes, client: str, drop: ContainerClient | None) -> None:
    """A report the measured one follows (a baseline, another client's), to completion."""
    end_to_end(host, data, drop if len(data) > HTTP_LIMIT else None, client=client)


def run(name: str, data: bytes, baseline: bytes | None) -> tuple[float, float | None]:
    with running_azurite() as connection, tempfile.TemporaryDirectory() as tmp:
        host, drop = start_bench_app(connection, Path(tmp),
                                     max(len(data), len(baseline or b"")))
        try:
            if name == "warm":
                for n in range(4):
                    _completed(host, to_csv(build_rows(WARM_ROWS, seed=10 + n)), f"other{n}",
                               drop)
            if baseline is not None:
                _completed(host, baseline, "bench", drop)
            before = len(host.log())  # the measured report's activities only
            cpu_before = cpu_seconds()
            dropped = drop if len(data) > HTTP_LIMIT else None
            total = end_to_end(host, data, dropped, client="bench").completed
            by_activity, by_process = activity_peaks(host.log()[before:])
            cpu = {k: v - cpu_before.get(k, 0.0) for k, v in cpu_seconds().items()}
            spent = seconds_by_function(host.log()[before:])
            if os.environ.get("BENCH_LOG_DIR"):  # the measured report's devhost log, to read
                Path(os.environ["BENCH_LOG_DIR"], f"{name}.log").write_text(host.log()[before:])
            peaks = peaks_mb(host.proc.pid, by_process)
        finally:
            host.stop()
        # The same rows written straight into a new table on this Azurite as it now is, as a
        # report's are: the emulator's work a row grows with all it holds (see the docstring),
        # Azure's and the app's do not.
        azurite_before = cpu_seconds().get("azurite", 0.0)
        ceiling = ceiling_seconds(connection, data, sdk=True) if ROWS < 1_000_000 else None
        # Its wall time is the SDK's (the client, on the same cores); Azurite's CPU for the
        # same rows is what grows with the table.
        ceiling_cpu = cpu_seconds().get("azurite", 0.0) - azurite_before
    target = PEAK_TARGET_MB if ROWS < 1_000_000 else PEAK_TARGET_1M_MB
    verdict = "met" if max(peaks.values()) <= target else "NOT met"
    print(f"  {name:<8} {total:7.1f} s; peak RSS: "
          + ", ".join(f"{k} {v:,} MB" for k, v in peaks.items())
          + f" (target <= {target} MB -> {verdict})")
    print("           largest peak of a worker during each activity: " + ", ".join(
        f"{a} {mb:,} MB" for a, mb in sorted(by_activity.items(), key=lambda i: -i[1])))
    print("           seconds in each function (invocations; the longest): " + ", ".join(
        f"{f} {total_s:.1f} s ({n}; {longest:.1f} s)" for f, (total_s, n, longest)
        in sorted(spent.items(), key=lambda i: -i[1][0])))
    print("           CPU seconds during it: " + ", ".join(
        f"{k} {v:.1f}" for k, v in sorted(cpu.items(), key=lambda i: -i[1])))
    if ceiling is not None:
        print(f"           store ceiling on this Azurite afterwards (the SDK writing the same "
              f"rows into a new table): {ceiling:.1f} s, Azurite's CPU {ceiling_cpu:.1f} s; "
              f"the report {total / ceiling:.2f} x it")
    return total, ceiling


def cpu_seconds() -> dict[str, float]:
    """CPU seconds so far of Azurite, the devhost and each of its workers (this process's
    descendants), by role."""
    found: dict[str, float] = {}
    for proc in psutil.Process().children(recursive=True):
        try:
            line, times = " ".join(proc.cmdline()), proc.cpu_times()
        except psutil.Error:
            continue
        role = ("azurite" if "node" in line else "worker " + str(proc.pid)
                if "spawn_main" in line and "resource_tracker" not in line
                else "devhost" if "devhost" in line else "")
        if role:
            found[role] = found.get(role, 0.0) + times.user + times.system
    return found


def seconds_by_function(log: str) -> dict[str, tuple[float, int, float]]:
    """Per function, from the devhost's one line per invocation: the seconds spent in all
    its invocations, how many there were, and the longest one."""
    spent: dict[str, tuple[float, int, float]] = {}
    for name, ms in re.findall(r"Executed '(\w+)' id=\S+ duration=(\d+)ms", log):
        total_s, n, longest = spent.get(name, (0.0, 0, 0.0))
        spent[name] = (total_s + int(ms) / 1000, n + 1, max(longest, int(ms) / 1000))
    return spent


def main(names: list[str]) -> None:
    print(f"{ROWS:,} rows for a client with history, each scenario on a fresh devhost "
          f"({PROCESSES} worker processes); warm: after four reports of {WARM_ROWS:,} rows "
          "of other clients")
    data, baselines = _exports()
    runs = {name: run(name, data, baselines.get(name)) for name in ALL if name in names}
    if "fresh" in runs:
        fresh, fresh_ceiling = runs["fresh"]
        for name, (seconds, ceiling) in runs.items():
            if name != "fresh":
                ratio = seconds / fresh
                print(f"  {name}: {ratio:.2f} x fresh (target <= {TIME_TARGET}) -> "
                      f"{'met' if ratio <= TIME_TARGET else 'NOT met'}", end="")
                if ceiling and fresh_ceiling:  # each against its own Azurite's ceiling
                    print(f"; against each one's store ceiling "
                          f"{(seconds / ceiling) / (fresh / fresh_ceiling):.2f} x", end="")
                print()


if __name__ == "__main__":
    main([s for s in os.environ.get("SCENARIOS", ",".join(ALL)).split(",") if s])
