"""Function and master keys, as the host enforces them for each auth level."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Keys:
    function: str
    master: str

    def allows(self, auth_level: str, presented: str | None) -> bool:
        level = auth_level.lower()
        if level == "anonymous":
            return True
        if not presented:
            return False
        if level == "admin":
            return secrets.compare_digest(presented, self.master)
        return any(secrets.compare_digest(presented, k) for k in (self.function, self.master))


def load(data_dir: Path) -> Keys:
    """Keys from DEVHOST_FUNCTION_KEY / DEVHOST_MASTER_KEY, else generated once and kept."""
    path = data_dir / "devhost-keys.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    function = os.environ.get("DEVHOST_FUNCTION_KEY") or stored.get("function")
    master = os.environ.get("DEVHOST_MASTER_KEY") or stored.get("master")
    if not stored.get("function") or not stored.get("master"):
        stored = {
            "function": stored.get("function") or secrets.token_urlsafe(32),
            "master": stored.get("master") or secrets.token_urlsafe(32),
        }
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return Keys(function=function or stored["function"], master=master or stored["master"])
