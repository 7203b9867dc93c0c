"""The health check answers within its deadline and names what is down, never storage's text."""

from __future__ import annotations

import socket
import threading
import time

from shared.storage.factory import build_clients
from triggers.api_meta import HEALTH_DEADLINE_SECONDS, check_storage

ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
               "K1SZFPTOtr/KBHBeksoGMGw==")  # Azurite's well-known development key


def connection_to(port: int) -> str:
    base = f"http://127.0.0.1:{port}/devstoreaccount1"
    return (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            f"AccountKey={ACCOUNT_KEY};BlobEndpoint={base};QueueEndpoint={base};"
            f"TableEndpoint={base};")


def test_storage_that_never_answers_is_down_within_the_deadline():
    """A socket that accepts and never answers: the worst outage, slower than a refusal."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        clients = build_clients("X", env={"X": connection_to(server.getsockname()[1])},
                                retry_total=0, connection_timeout=1, read_timeout=10)
        started = time.monotonic()
        checks = check_storage(clients)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()
    assert elapsed < 2  # the issue: 10-15 s while storage was down
    assert {name: c["status"] for name, c in checks.items()} == {
        "blob": "down", "table": "down", "queue": "down"}
    assert all(c["error"] == f"no answer within {HEALTH_DEADLINE_SECONDS:g} s"
               for c in checks.values())


def test_a_refused_connection_is_down_without_the_exception_text():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    clients = build_clients("X", env={"X": connection_to(port)}, retry_total=0,
                            connection_timeout=1, read_timeout=1)
    checks = check_storage(clients)
    for check in checks.values():
        assert check["status"] == "down"
        assert check["error"] == "unreachable or refused the request"
        assert "127.0.0.1" not in check["error"] and "Error" not in check["error"]
