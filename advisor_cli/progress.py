"""Following an orchestration: poll its status URL, honour Retry-After, show progress."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from advisor_cli.client import Api

FINISHED = ("Completed", "Failed", "Terminated", "Canceled")
BAR = 24


def describe(custom: dict, elapsed: float) -> str:
    stage = custom.get("stage", "queued")
    percent = int(custom.get("percent", 0))
    parts = [f"{percent:3d}% {stage}"]
    if custom.get("rowsTotal"):
        parts.append(f"rows {custom.get('rowsStored', 0):,}/{custom['rowsTotal']:,}")
    if custom.get("artifactsTotal"):
        parts.append(f"artifacts {custom.get('artifactsDone', 0)}/{custom['artifactsTotal']}")
    parts.append(f"{elapsed:.0f}s")
    return " · ".join(parts)


class Display:
    """A live bar on a terminal; one line per change otherwise (CI logs)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.last = ""

    def update(self, custom: dict, elapsed: float) -> None:
        text = describe(custom, elapsed)
        if self.live:
            filled = int(BAR * int(custom.get("percent", 0)) / 100)
            self.stream.write(f"\r[{'#' * filled}{'.' * (BAR - filled)}] {text}\033[K")
            self.stream.flush()
        else:
            key = text.rsplit(" · ", 1)[0]  # elapsed time alone is not news
            if key != self.last:
                self.stream.write(text + "\n")
                self.stream.flush()
                self.last = key

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()


def follow(api: Api, status_url: str, display: Display, max_wait: float = 3600) -> dict:
    """Poll until the orchestration finishes; returns its last status."""
    started = time.monotonic()
    try:
        while True:
            response = api.request("GET", status_url)
            status = response.json()
            display.update(status.get("customStatus") or {}, time.monotonic() - started)
            if status.get("runtimeStatus") in FINISHED:
                return status
            if time.monotonic() - started > max_wait:
                raise TimeoutError(f"still {status.get('runtimeStatus')} after {max_wait:.0f}s")
            time.sleep(_retry_after(response.headers.get("Retry-After")))
    finally:
        display.close()


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value or 1), 0.2), 30.0)
    except ValueError:
        return 1.0
