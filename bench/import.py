"""An import from Azure against the upload of the same rows as a CSV, in the same run.

10,000 recommendations over 5 subscriptions (2,000 each) served by the local fake Azure
(tests/support/fake_azure.py: ARM over HTTPS, the App Service managed identity endpoint,
Recommendations_List paged by nextLink), read by the real azure-mgmt-core and
azure-identity in a devhost with two worker processes (as `make run`), on its own Azurite.
Timed, median of 5 each (RUNS) after a warm-up of each (not counted), alternating: import (the POST)
to completed, and upload of the same rows as the portal's CSV to completed, every report with
its ten artifacts; completion as the orchestration's history records it (see bench/ingest.py).
Goal (issue 35): import <= 1.2 x upload. PAGE (default 500) sets the fake's page size.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

from common import running_azurite

from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv
from tests.support.fake_azure import FakeAzure

ROWS = int(os.environ.get("ROWS", "10000"))
SUBSCRIPTION_COUNT = 5
PAGE = int(os.environ.get("PAGE", "500"))
RUNS = int(os.environ.get("RUNS", "5"))
GOAL = 1.2


def _subscriptions() -> list[tuple[str, str, list[dict[str, str]]]]:
    """Five subscriptions of ROWS / 5 recommendations each, as build_rows makes them."""
    rows = build_rows(ROWS, seed=35)
    per = ROWS // SUBSCRIPTION_COUNT
    out = []
    for n in range(SUBSCRIPTION_COUNT):
        sub_id, name = f"5b0c0000-0000-4000-8000-0000000000{n:02d}", f"Bench {n + 1}"
        mine = [{**r, "Subscription ID": sub_id, "Subscription Name": name,
                 "Resource Name": name if r["Type"] == "Subscription" else r["Resource Name"]}
                for r in rows[n * per:(n + 1) * per]]
        out.append((sub_id, name, mine))
    return out


def _completed_at(host, report_id: str) -> float:
    report = wait_report(host, report_id, timeout=1800)
    if report["status"] != "completed" or len(report["artifacts"]) != 10:
        raise SystemExit(f"report {report_id} did not complete: {report.get('failureReason')}")
    status = host.wait_for_status(host.status_url(report_id) + "&showHistory=true")
    last = status["historyEvents"][-1]
    return datetime.fromisoformat(last["Timestamp"].replace("Z", "+00:00")).timestamp()


def import_seconds(host, client_id: str) -> float:
    started = time.time()
    r = host.request("POST", f"api/clients/{client_id}/imports",
                     json={"formats": ["html", "pdf"]})
    assert r.status_code == 202, r.text
    return _completed_at(host, r.json()["reportId"]) - started


def upload_seconds(host, client_id: str, data: bytes) -> float:
    started = time.time()
    r = upload(host, data, clientId=client_id, title="Benchmark")
    assert r.status_code == 202, r.text
    return _completed_at(host, r.json()["reportId"]) - started


def main() -> None:
    subscriptions = _subscriptions()
    csv = to_csv([r for _, _, rows in subscriptions for r in rows])
    with running_azurite() as connection, tempfile.TemporaryDirectory() as folder, \
            FakeAzure(Path(folder), page_size=PAGE) as fake:
        for sub_id, name, rows in subscriptions:
            fake.add(sub_id, name, rows)
        host, _ = start_app(connection, Path(folder), FUNCTIONS_WORKER_PROCESS_COUNT="2",
                            **fake.env())
        try:
            r = host.request("POST", "api/clients", json={
                "clientId": "bench", "name": "Bench",
                "subscriptionIds": [s for s, _, _ in subscriptions]})
            assert r.status_code == 201, r.text
            import_seconds(host, "bench")  # warm-up: imports, SDK, first token
            upload_seconds(host, "bench", csv)
            imports, uploads = [], []
            for _ in range(RUNS):
                imports.append(import_seconds(host, "bench"))
                uploads.append(upload_seconds(host, "bench", csv))
        finally:
            host.stop()
    imported, uploaded = statistics.median(imports), statistics.median(uploads)
    ratio = imported / uploaded
    print(f"{ROWS:,} recommendations over {SUBSCRIPTION_COUNT} subscriptions, pages of {PAGE}: "
          f"import->completed {imported:.2f} s (runs {', '.join(f'{t:.2f}' for t in imports)}), "
          f"upload->completed {uploaded:.2f} s (runs {', '.join(f'{t:.2f}' for t in uploads)}); "
          f"ratio {ratio:.2f} (goal <= {GOAL}) {'ok' if ratio <= GOAL else 'OVER'}")
    print(f"fake Azure served: {dict(sorted(fake.served.items()))}"[:300])


if __name__ == "__main__":
    main()
