"""Durable overhead of the devhost: fan-out/fan-in of 200 no-op activities on Azurite.

Ceiling, measured in the same run: the storage round trips the engine cannot avoid, one
single-entity table write per activity (its completion message), done serially. The ratio
says how many of those the whole orchestration costs. Target: 200 activities in under 3 s.
"""

from __future__ import annotations

import uuid

from azure.data.tables import TableServiceClient
from common import ROOT, running_azurite, running_devhost, timed

ACTIVITIES = 200
TARGET_SECONDS = 3.0


def main() -> None:
    with running_azurite() as connection:
        table = TableServiceClient.from_connection_string(connection).create_table(
            "b" + uuid.uuid4().hex[:10])

        def storage_floor() -> None:
            pk = uuid.uuid4().hex
            for i in range(ACTIVITIES):
                table.upsert_entity({"PartitionKey": pk, "RowKey": f"{i:06d}", "Event": "x" * 200})

        ceiling = timed(storage_floor)
        with running_devhost(connection, ROOT / "tests" / "e2e" / "pattern_app") as host:
            def orchestrate() -> None:
                r = host.request("POST", "api/wait/fan_out", json={"count": ACTIVITIES})
                assert r.status_code == 200 and r.json() == sum(range(ACTIVITIES)), r.text

            orchestrate()  # warm-up
            seconds = timed(orchestrate, repeat=5)

    print(f"fan-out/fan-in of {ACTIVITIES} no-op activities (median of 5)")
    print(f"  orchestration:       {seconds:6.2f} s  ({ACTIVITIES / seconds:7.0f} activities/s, "
          f"{seconds / ACTIVITIES * 1000:5.1f} ms overhead per activity)")
    print(f"  storage ceiling:     {ceiling:6.2f} s  ({ACTIVITIES} serial single-entity writes)")
    print(f"  ratio to ceiling:    {seconds / ceiling:6.2f}x")
    print(f"  target:              < {TARGET_SECONDS:.1f} s -> "
          f"{'met' if seconds < TARGET_SECONDS else 'NOT met'}")


if __name__ == "__main__":
    main()
