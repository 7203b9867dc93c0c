"""The emulator starts with its V8 options (devhost.azurite.NODE_OPTIONS), after the caller's."""

from __future__ import annotations

from pathlib import Path

from devhost import azurite


def test_azurite_starts_with_its_young_generation_after_the_callers_options(monkeypatch):
    monkeypatch.setenv("NODE_OPTIONS", "--no-warnings")
    ports = azurite.Ports(azurite.free_port(), azurite.free_port(), azurite.free_port())
    proc = azurite.start(ports, None)  # returns once all three services answer
    try:
        environ = Path(f"/proc/{proc.pid}/environ").read_bytes().split(b"\0")
        assert b"NODE_OPTIONS=--no-warnings --max-semi-space-size=64" in environ
    finally:
        proc.terminate()
        proc.wait(timeout=10)
