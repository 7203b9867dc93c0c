"""Start and find Azurite, the storage emulator (used by the devhost, the tests and benchmarks)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The emulator's published development account; not a secret.
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
DEFAULT_PORTS = (10000, 10001, 10002)
# Azurite keeps every entity and blob in its JavaScript heap and parses every request into
# short-lived objects. With V8's default 16 MB young generation those are promoted and each
# full collection walks all that the emulator holds, so storing the same 200,000 rows cost
# it 28 % more CPU beside 390,000 others than on its own; with 64 MB, 12 % (docs/scale.md).
NODE_OPTIONS = "--max-semi-space-size=64"


@dataclass(frozen=True)
class Ports:
    blob: int
    queue: int
    table: int

    def connection_string(self) -> str:
        base = "http://127.0.0.1"
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={base}:{self.blob}/{ACCOUNT};"
            f"QueueEndpoint={base}:{self.queue}/{ACCOUNT};"
            f"TableEndpoint={base}:{self.table}/{ACCOUNT};"
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def endpoints(connection_string: str) -> dict[str, str]:
    """Blob, queue and table endpoints named by a connection string."""
    parts = dict(
        p.split("=", 1) for p in connection_string.split(";") if "=" in p
    )
    if parts.get("UseDevelopmentStorage", "").lower() == "true":
        blob, queue, table = DEFAULT_PORTS
        return {
            "blob": f"http://127.0.0.1:{blob}/{ACCOUNT}",
            "queue": f"http://127.0.0.1:{queue}/{ACCOUNT}",
            "table": f"http://127.0.0.1:{table}/{ACCOUNT}",
        }
    found = {}
    for kind in ("blob", "queue", "table"):
        explicit = parts.get(f"{kind.capitalize()}Endpoint")
        if explicit:
            found[kind] = explicit
        elif "AccountName" in parts:
            protocol = parts.get("DefaultEndpointsProtocol", "https")
            suffix = parts.get("EndpointSuffix", "core.windows.net")
            found[kind] = f"{protocol}://{parts['AccountName']}.{kind}.{suffix}"
    return found


def is_reachable(url: str, timeout: float = 0.5) -> bool:
    parsed = urlparse(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((parsed.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def azurite_binary() -> str:
    local = PROJECT_ROOT / "node_modules" / ".bin" / "azurite"
    if local.exists():
        return str(local)
    found = shutil.which("azurite")
    if not found:
        raise SystemExit("Azurite is not installed: run `make install` (npm ci) first.")
    return found


def environment(base: Mapping[str, str]) -> dict[str, str]:
    """`base` with the emulator's NODE_OPTIONS after any the caller set."""
    return {**base, "NODE_OPTIONS": f"{base.get('NODE_OPTIONS', '')} {NODE_OPTIONS}".strip()}


def start(ports: Ports, location: Path | None, log: Path | None = None) -> subprocess.Popen:
    """Start Azurite on 127.0.0.1 and wait until all three services accept connections.

    `location` keeps data on disk (for `make run`); None keeps it in memory (for tests).
    """
    args = [
        azurite_binary(), "--silent", "--disableTelemetry", "--skipApiVersionCheck",
        "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
        "--blobPort", str(ports.blob), "--queuePort", str(ports.queue),
        "--tablePort", str(ports.table),
    ]
    if location is None:
        args.append("--inMemoryPersistence")
    else:
        location.mkdir(parents=True, exist_ok=True)
        args += ["--location", str(location)]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - Azurite writes to it
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                            env=environment(os.environ))
    deadline = time.monotonic() + 30
    urls = [f"http://127.0.0.1:{p}" for p in (ports.blob, ports.queue, ports.table)]
    while not all(is_reachable(u, 0.2) for u in urls):
        if proc.poll() is not None:
            raise RuntimeError(f"Azurite exited with status {proc.returncode}")
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("Azurite did not start within 30 s")
        time.sleep(0.1)
    return proc
