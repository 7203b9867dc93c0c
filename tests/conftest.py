"""Shared fixtures: a real Azurite per test session, and devhost processes over real HTTP."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from devhost import azurite
from tests.support.devhost_process import DevhostProcess

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def azurite_ports(tmp_path_factory) -> azurite.Ports:
    """Azurite on free loopback ports with in-memory persistence, for the whole session."""
    ports = azurite.Ports(azurite.free_port(), azurite.free_port(), azurite.free_port())
    log = tmp_path_factory.mktemp("azurite") / "azurite.log"
    proc = azurite.start(ports, None, log=log)
    yield ports
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def storage_connection(azurite_ports) -> str:
    return azurite_ports.connection_string()


@pytest.fixture
def unique_name() -> str:
    """A fresh name for tables, containers and task hubs (letters and digits only)."""
    return "t" + uuid.uuid4().hex[:12]


@pytest.fixture
def start_devhost(storage_connection, tmp_path_factory):
    """Start devhost processes for a test; all are stopped at the end."""
    started: list[DevhostProcess] = []

    def start(script_root: Path = ROOT, app: str = "function_app", **env: str) -> DevhostProcess:
        data_dir = tmp_path_factory.mktemp("devhost")
        proc = DevhostProcess(ROOT, script_root, app, data_dir, storage_connection, env)
        proc.start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


def pytest_configure(config):
    os.environ.setdefault("HYPOTHESIS_PROFILE", "default")
