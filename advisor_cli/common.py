"""What several commands use: printing JSON, sending a logo."""

from __future__ import annotations

import json
from pathlib import Path

from advisor_cli.client import Api


def print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def put_logo(api: Api, path: str, route: str) -> None:
    data = Path(path).read_bytes()
    kind = "image/jpeg" if path.lower().endswith((".jpg", ".jpeg")) else "image/png"
    api.json("PUT", route, data=data, headers={"Content-Type": kind})
