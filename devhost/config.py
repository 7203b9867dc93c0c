"""Host configuration: local.settings.json, host.json and app-setting substitution."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SETTING_REF = re.compile(r"%([A-Za-z0-9_]+)%")


def load_local_settings(path: Path) -> dict[str, str]:
    """Put the file's `Values` into the environment without overriding what is already set.

    That is what the real host does: a variable exported in the shell wins over the file.
    Returns the values that were applied.
    """
    values = json.loads(path.read_text(encoding="utf-8")).get("Values", {})
    applied = {}
    for key, value in values.items():
        if key not in os.environ:
            os.environ[key] = str(value)
            applied[key] = str(value)
    return applied


def resolve_settings_file(script_root: Path, explicit: str | None) -> Path | None:
    """`--settings FILE`, else local.settings.json, else the committed sample."""
    if explicit:
        return Path(explicit)
    for name in ("local.settings.json", "local.settings.sample.json"):
        candidate = script_root / name
        if candidate.exists():
            return candidate
    return None


def expand_app_settings(value: str) -> str:
    """Replace `%NAME%` with the app setting, as host.json allows for the hub name."""
    return _SETTING_REF.sub(lambda m: os.environ.get(m.group(1), m.group(0)), value)


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str
    hub_name: str
    max_activities: int
    max_orchestrations: int
    raw: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> HostConfig:
        raw = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        extensions = raw.get("extensions", {})
        durable = extensions.get("durableTask", {})
        hub = expand_app_settings(str(durable.get("hubName", "TestHubName")))
        if "%" in hub:
            raise SystemExit(f"host.json hubName refers to an app setting that is not set: {hub}")
        return cls(
            route_prefix=str(extensions.get("http", {}).get("routePrefix", "api")).strip("/"),
            hub_name=hub,
            max_activities=int(durable.get("maxConcurrentActivityFunctions", 10)),
            max_orchestrations=int(durable.get("maxConcurrentOrchestratorFunctions", 10)),
            raw=raw,
        )
