"""Load the function app and index its functions by trigger, as the host's indexer does."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class FunctionInfo:
    name: str
    trigger_type: str
    trigger: dict[str, Any]  # the trigger binding as in function.json
    bindings: list[dict[str, Any]]
    func: Callable[..., Any]
    client_param: str | None = None  # parameter receiving the durable client binding

    @property
    def trigger_param(self) -> str:
        return self.trigger["name"]


@dataclass
class FunctionIndex:
    http: list[FunctionInfo]
    blob: list[FunctionInfo]
    timer: list[FunctionInfo]
    orchestrators: dict[str, FunctionInfo]
    activities: dict[str, FunctionInfo]

    def all(self) -> list[FunctionInfo]:
        return [*self.http, *self.blob, *self.timer, *self.orchestrators.values(),
                *self.activities.values()]


def load(module_name: str, script_root: Path) -> FunctionIndex:
    """Import the app module and enumerate its functions exactly once.

    `get_functions()` may be called only once per app object (a second call raises
    "does not have a unique function name"), so the result is the single source here.
    """
    if str(script_root) not in sys.path:
        sys.path.insert(0, str(script_root))
    module = importlib.import_module(module_name)
    app = getattr(module, "app", None)
    if app is None or not hasattr(app, "get_functions"):
        raise SystemExit(f"{module_name} has no FunctionApp object named `app`")

    index = FunctionIndex([], [], [], {}, {})
    for function in app.get_functions():
        spec = json.loads(function.get_function_json())
        bindings = spec["bindings"]
        trigger = next(b for b in bindings if b["type"].endswith("Trigger"))
        client = next((b["name"] for b in bindings if b["type"] == "durableClient"), None)
        info = FunctionInfo(
            name=function.get_function_name(),
            trigger_type=trigger["type"],
            trigger=trigger,
            bindings=bindings,
            func=function.get_user_function(),
            client_param=client,
        )
        kind = info.trigger_type
        if kind == "httpTrigger":
            index.http.append(info)
        elif kind == "blobTrigger":
            index.blob.append(info)
        elif kind == "timerTrigger":
            index.timer.append(info)
        elif kind == "orchestrationTrigger":
            index.orchestrators[trigger.get("orchestration") or info.name] = info
        elif kind == "activityTrigger":
            index.activities[trigger.get("activity") or info.name] = info
        else:
            raise SystemExit(f"devhost does not support {kind} (function {info.name})")
    return index
