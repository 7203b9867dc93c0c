"""Filtered pages of recommendations on a 50,000-row report, through the devhost over HTTP.

Ceiling, measured in the same run: GET /api/health (the devhost's round trip plus three
storage pings), so the ratio shows what browsing costs beyond the host itself.
Target: p95 under 300 ms for a filtered page.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from pathlib import Path

from common import running_azurite

from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

ROWS = 50_000
REQUESTS = 60
QUERIES = [
    "category=Cost&impact=High", "category=Security", "impact=Low&pageSize=100",
    "search=virtual machine", "resourceType=Microsoft.Compute/virtualMachines&page=3",
    "category=Reliability,Performance&impact=High,Medium&search=zones",
]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    with running_azurite() as connection, tempfile.TemporaryDirectory() as tmp:
        host, _ = start_app(connection, Path(tmp))
        try:
            r = upload(host, to_csv(build_rows(ROWS, seed=1)), reportTypes="executive",
                       formats="html")
            report_id = r.json()["reportId"]
            wait_report(host, report_id, timeout=600)
            path = f"api/reports/{report_id}/recommendations"
            started = time.perf_counter()
            host.request("GET", path)  # loads the report's rows into the worker
            first = time.perf_counter() - started
            pages, health = [], []
            for query in itertools.islice(itertools.cycle(QUERIES), REQUESTS):
                started = time.perf_counter()
                assert host.request("GET", f"{path}?{query}").status_code == 200
                pages.append(time.perf_counter() - started)
                started = time.perf_counter()
                host.request("GET", "api/health", key=False)
                health.append(time.perf_counter() - started)
        finally:
            host.stop()
    print(f"recommendations of a {ROWS:,}-row report, {REQUESTS} filtered pages")
    print(f"  first request (loads the rows): {first * 1000:7.0f} ms")
    print(f"  filtered page: median {statistics.median(pages) * 1000:5.0f} ms, "
          f"p95 {p95(pages) * 1000:5.0f} ms (target < 300 ms) -> "
          f"{'met' if p95(pages) < 0.3 else 'NOT met'}")
    print(f"  ceiling, GET /api/health: p95 {p95(health) * 1000:5.0f} ms; ratio "
          f"{p95(pages) / p95(health):.1f}x")


if __name__ == "__main__":
    main()
