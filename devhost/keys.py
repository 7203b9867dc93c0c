"""Function, master and system keys, as the host enforces them for each auth level.

The Functions host keeps a system key per extension webhook: `/runtime/webhooks/durabletask/*`
takes only the `durabletask_extension` key or the master key (a function key gets 401), and
the Durable status URLs carry the system key. devhost keeps the same keys, so a script written
against `make run` works unchanged on Azure.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

DURABLETASK = "durabletask_extension"
BLOBS = "blobs_extension"
SYSTEM_KEY_NAMES = (DURABLETASK, BLOBS)


@dataclass(frozen=True)
class Keys:
    function: str
    master: str
    system: dict[str, str] = field(default_factory=dict)

    @property
    def durabletask(self) -> str:
        return self.system[DURABLETASK]

    def allows(self, auth_level: str, presented: str | None) -> bool:
        level = auth_level.lower()
        if level == "anonymous":
            return True
        if not presented:
            return False
        if level == "admin":
            return _same(presented, self.master)
        return any(_same(presented, k) for k in (self.function, self.master))

    def allows_webhook(self, system_key_name: str, presented: str | None) -> bool:
        """An extension's webhook: its own system key or the master key, nothing else."""
        if not presented:
            return False
        return any(_same(presented, k) for k in (self.system[system_key_name], self.master))


def _same(presented: str, key: str) -> bool:
    return secrets.compare_digest(presented.encode(), key.encode())


def _env_name(system_key_name: str) -> str:
    return f"DEVHOST_{system_key_name.upper()}_KEY"  # e.g. DEVHOST_DURABLETASK_EXTENSION_KEY


def load(data_dir: Path) -> Keys:
    """Keys from the environment (DEVHOST_FUNCTION_KEY, DEVHOST_MASTER_KEY,
    DEVHOST_DURABLETASK_EXTENSION_KEY, DEVHOST_BLOBS_EXTENSION_KEY), else generated once and
    kept in `devhost-keys.json`."""
    path = data_dir / "devhost-keys.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    wanted = {"function": stored.get("function"), "master": stored.get("master"),
              "systemKeys": dict(stored.get("systemKeys") or {})}
    for name in ("function", "master"):
        wanted[name] = wanted[name] or secrets.token_urlsafe(32)
    for name in SYSTEM_KEY_NAMES:
        wanted["systemKeys"][name] = wanted["systemKeys"].get(name) or secrets.token_urlsafe(32)
    if wanted != stored:
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(wanted, indent=2))
        path.chmod(0o600)
    system = {name: os.environ.get(_env_name(name)) or wanted["systemKeys"][name]
              for name in SYSTEM_KEY_NAMES}
    return Keys(function=os.environ.get("DEVHOST_FUNCTION_KEY") or wanted["function"],
                master=os.environ.get("DEVHOST_MASTER_KEY") or wanted["master"], system=system)
