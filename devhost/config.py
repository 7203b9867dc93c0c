"""Host configuration: local.settings.json, host.json and app-setting substitution."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
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


_OVERRIDE_PREFIX = "azurefunctionsjobhost__"


def with_overrides(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, Any]:
    """host.json with app-setting overrides applied, as the Functions host does:
    `AzureFunctionsJobHost__extensions__durableTask__hubName=x` sets that value (path parts
    match keys without regard to case; the value is the setting's text)."""
    for name, value in env.items():
        if not name.lower().startswith(_OVERRIDE_PREFIX):
            continue
        *parents, leaf = name[len(_OVERRIDE_PREFIX):].split("__")
        node = raw
        for part in parents:
            key = next((k for k in node if k.lower() == part.lower()), part)
            child = node.setdefault(key, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[next((k for k in node if k.lower() == leaf.lower()), leaf)] = value
    return raw


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
        raw = with_overrides(raw, os.environ)
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
