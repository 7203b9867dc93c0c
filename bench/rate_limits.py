"""What the rate-limit check adds to a request: its p95 over 500 calls against Azurite.

Ceiling, measured in the same run: one Table Storage point read (the least any shared counter
costs). Target: the check adds <= 5 ms p95 to a request. Also measured over real HTTP: a read
on the devhost with the limits on and off.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

from azure.data.tables import TableServiceClient
from common import running_azurite

from shared.http import rate_limits
from tests.support.app import start_app

CALLS = 500
TARGET_MS = 5.0


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] * 1000


def timings(action, calls: int = CALLS) -> list[float]:
    out = []
    for _ in range(calls):
        started = time.perf_counter()
        action()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    with running_azurite() as connection:
        service = TableServiceClient.from_connection_string(connection)
        table = service.create_table(f"Limits{uuid.uuid4().hex[:8]}")
        table.create_entity({"PartitionKey": "p", "RowKey": "r", "count": 1})
        ceiling = p95(timings(lambda: table.get_entity("p", "r")))
        # The default reads limit: a reservation (two round trips) every 30 requests.
        check = p95(timings(lambda: rate_limits.check(table, "reads", "id:bench", 600, 60),
                            calls=600))
        print(f"rate-limit check p95 {check:.2f} ms = {check / ceiling:.1f} x a point read "
              f"({ceiling:.2f} ms)  <= {TARGET_MS:.0f} ms "
              f"{'met' if check <= TARGET_MS else 'NOT met'}")
        for label, env in (("off", {}), ("on", {"RATE_LIMIT_READS": "100000"})):
            with tempfile.TemporaryDirectory() as tmp:
                host, _ = start_app(connection, Path(tmp), **env)
                try:
                    host.request("GET", "api/clients")
                    samples = timings(lambda h=host: h.request("GET", "api/clients"), 200)
                finally:
                    host.stop()
            print(f"GET /api/clients over HTTP, limits {label}: p95 {p95(samples):.2f} ms")


if __name__ == "__main__":
    main()
