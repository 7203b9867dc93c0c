"""The web app's server time, through the devhost over HTTP, signed in as a consultant:
the portfolio with 200 clients, a report page and filtered recommendation pages of a
50,000-row report. Also the size of each page's HTML.

Ceiling, measured in the same run: GET /api/health (the devhost's round trip plus three
storage pings), so the ratio shows what a page costs beyond the host itself.
Targets: p95 <= 150 ms per page; the HTML of any page <= 200 KB.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from common import running_azurite

from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, sample_export, to_csv

CLIENTS = 200
ROWS = 50_000
REQUESTS = 40
FILTERS = ["category=Cost&impact=High", "category=Security", "impact=Low&page=3",
           "search=virtual machine", "subscriptionId=3f2a1b4c-0000-4000-8000-000000000002"]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def sign_in(base_url: str) -> requests.Session:
    session = requests.Session()
    r = session.post(f"{base_url}/.auth/login/aad", allow_redirects=False,
                     headers={"Origin": base_url},
                     data={"username": "bench@partner.example", "redirect": "/",
                           "roles": "Reports.Admin, Reports.AllClients", "claims": "[]"})
    assert r.status_code == 303, r.text
    return session


def timed(session: requests.Session, url: str, count: int) -> tuple[list[float], int]:
    """Server-side work dominates on loopback: the wall time of each GET, and the page size."""
    times, size = [], 0
    for _ in range(count):
        started = time.perf_counter()
        r = session.get(url, timeout=60)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200, (url, r.status_code, r.text[-500:])
        size = max(size, len(r.content))
    return times, size


def main() -> None:
    with running_azurite() as connection, tempfile.TemporaryDirectory() as tmp:
        # Read limits on (as deployed; never reached here): each page pays their checks.
        host, _ = start_app(connection, Path(tmp), RATE_LIMIT_READS="100000")
        try:
            big = upload(host, to_csv(build_rows(ROWS, seed=1)), clientId="estate",
                         clientName="A 50,000-row estate", reportTypes="executive",
                         formats="html").json()["reportId"]

            def small(i: int) -> str:
                return upload(host, sample_export(40, seed=i), clientId=f"client-{i:03d}",
                              clientName=f"Client {i:03d}", reportTypes="executive",
                              formats="html").json()["reportId"]

            with ThreadPoolExecutor(4) as pool:
                ids = list(pool.map(small, range(CLIENTS - 1)))
            for report_id in [big, *ids]:
                wait_report(host, report_id, timeout=900)
            session = sign_in(host.base_url)
            base = host.base_url
            session.get(f"{base}/reports/{big}")  # loads the report's rows into the worker
            figures = {
                "portfolio (200 clients, page 1)": timed(session, f"{base}/", REQUESTS),
                "portfolio, search": timed(session, f"{base}/?q=client-1", REQUESTS),
                "report page (50,000 rows)": timed(session, f"{base}/reports/{big}", REQUESTS),
            }
            filtered = [f"{base}/reports/{big}?{q}" for q in FILTERS]
            times, size = [], 0
            for url in itertools.islice(itertools.cycle(filtered), REQUESTS):
                t, s = timed(session, url, 1)
                times += t
                size = max(size, s)
            figures["filtered recommendations page"] = (times, size)
            health, _ = timed(requests.Session(), f"{base}/api/health", REQUESTS)
        finally:
            host.stop()
    ceiling = p95(health)
    print(f"web pages on the devhost, {REQUESTS} requests each (signed in)")
    for name, (times, size) in figures.items():
        print(f"  {name:34s} median {statistics.median(times) * 1000:5.0f} ms, "
              f"p95 {p95(times) * 1000:5.0f} ms ({p95(times) / ceiling:4.1f}x the ceiling) "
              f"-> {'met' if p95(times) <= 0.15 else 'NOT met'}; HTML {size / 1024:6.1f} KB "
              f"-> {'met' if size <= 200 * 1024 else 'NOT met'}")
    print(f"  ceiling, GET /api/health: p95 {ceiling * 1000:5.0f} ms")


if __name__ == "__main__":
    main()
