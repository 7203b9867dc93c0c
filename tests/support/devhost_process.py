"""Run `python -m devhost` as a subprocess for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from devhost.azurite import free_port


class DevhostProcess:
    def __init__(self, project_root: Path, script_root: Path, app: str, data_dir: Path,
                 connection: str, env: dict[str, str]) -> None:
        self.project_root = project_root
        self.script_root = script_root
        self.app = app
        self.data_dir = data_dir
        self.port = free_port()
        self.function_key = "fk-" + uuid.uuid4().hex
        self.master_key = "mk-" + uuid.uuid4().hex
        # The Durable management API's own key, as the real host's durabletask_extension key.
        self.system_key = "sk-" + uuid.uuid4().hex
        self.hub = env.pop("TASK_HUB_NAME", "h" + uuid.uuid4().hex[:12])
        self.env = {
            **os.environ,
            "AzureWebJobsStorage": connection,
            "TASK_HUB_NAME": self.hub,
            "DEVHOST_FUNCTION_KEY": self.function_key,
            "DEVHOST_MASTER_KEY": self.master_key,
            "DEVHOST_DURABLETASK_EXTENSION_KEY": self.system_key,
            "DEVHOST_BLOB_POLL_SECONDS": "0.3",
            "PYTHONPATH": str(project_root),
            **env,
        }
        self.log_path = data_dir / "devhost.log"
        self.proc: subprocess.Popen | None = None
        settings = data_dir / "settings.json"
        settings.write_text(json.dumps({"Values": {}}))
        self.settings = settings

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child process keeps writing to it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devhost", "--port", str(self.port), "--no-azurite",
             "--app", self.app, "--script-root", str(self.script_root),
             "--data-dir", str(self.data_dir), "--settings", str(self.settings)],
            cwd=self.project_root, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"devhost exited early:\n{self.log()}")
            try:
                r = requests.get(f"{self.base_url}/admin/host/status",
                                 headers={"x-functions-key": self.master_key}, timeout=1)
                if r.status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"devhost did not start:\n{self.log()}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when a host instance dies."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # -- HTTP helpers ---------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, key: bool = True, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if key:
            headers.setdefault("x-functions-key", self.function_key)
        kwargs.setdefault("timeout", 30)
        return requests.request(method, self.url(path), headers=headers, **kwargs)

    def wait_for_status(self, status_url: str, timeout: float = 30,
                        until: tuple[str, ...] = ("Completed", "Failed", "Terminated")) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = requests.get(status_url, timeout=10)
            if r.status_code in (200, 202) and r.json()["runtimeStatus"] in until:
                return r.json()
            time.sleep(0.1)
        raise AssertionError(f"{status_url} did not reach {until}:\n{self.log()[-3000:]}")

    def status_url(self, instance_id: str) -> str:
        return (f"{self.base_url}/runtime/webhooks/durabletask/instances/{instance_id}"
                f"?code={self.system_key}")
