"""The real function app on a devhost subprocess, with storage names of its own."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableServiceClient
from azure.storage.blob import BlobServiceClient

from shared.storage import layout
from tests.support.devhost_process import DevhostProcess

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class AppNames:
    uploads: str
    reports: str
    reports_table: str
    recommendations_table: str
    clients_table: str
    exclusions_table: str = ""
    audit_table: str = ""
    shares_table: str = ""
    rate_limits_table: str = ""
    actions_table: str = ""

    @classmethod
    def random(cls) -> AppNames:
        tag = uuid.uuid4().hex[:10]
        return cls(f"up-{tag}", f"rep-{tag}", f"Reports{tag}", f"Recs{tag}", f"Clients{tag}",
                   f"Exclusions{tag}", f"Audit{tag}", f"Shares{tag}", f"Limits{tag}",
                   f"Actions{tag}")

    def env(self) -> dict[str, str]:
        return {"UPLOADS_CONTAINER": self.uploads, "REPORTS_CONTAINER": self.reports,
                "REPORTS_TABLE": self.reports_table,
                "RECOMMENDATIONS_TABLE": self.recommendations_table,
                "CLIENTS_TABLE": self.clients_table,
                "EXCLUSIONS_TABLE": self.exclusions_table, "AUDIT_TABLE": self.audit_table,
                "SHARES_TABLE": self.shares_table, "RATE_LIMITS_TABLE": self.rate_limits_table,
                **({"ACTIONS_TABLE": self.actions_table} if self.actions_table else {})}


# Tests and benchmarks call far faster than a person: limits off unless a test sets them.
NO_RATE_LIMITS = {"RATE_LIMIT_UPLOADS": "0", "RATE_LIMIT_RENDERS": "0", "RATE_LIMIT_READS": "0",
                  "RATE_LIMIT_DROPS": "0", "RATE_LIMIT_SHARE_FAILURES": "0"}


def start_app(connection: str, data_dir: Path, **env: str) -> tuple[DevhostProcess, AppNames]:
    names = AppNames.random()
    proc = DevhostProcess(ROOT, ROOT, "function_app", data_dir, connection,
                          {**names.env(), **NO_RATE_LIMITS, **env})
    proc.start()
    return proc, names


def upload(host: DevhostProcess, data: bytes, *, file_name: str = "export.csv",
           headers: dict[str, str] | None = None, **params: str) -> requests.Response:
    return host.request("POST", "api/reports", params=params, headers=dict(headers or {}),
                        files={"file": (file_name, data, "text/csv")})


def wait_report(host: DevhostProcess, report_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = host.request("GET", f"api/reports/{report_id}")
        if r.status_code == 200 and r.json()["status"] in ("completed", "failed"):
            return r.json()
        time.sleep(0.2)
    raise AssertionError(f"report {report_id} did not finish:\n{host.log()[-4000:]}")


class AppStorage:
    """Direct reads of what the app stored, to check it from outside."""

    def __init__(self, connection: str, names: AppNames) -> None:
        self.tables = TableServiceClient.from_connection_string(connection)
        self.blobs = BlobServiceClient.from_connection_string(connection)
        self.names = names

    def rows_table(self, report_id: str) -> TableClient:
        """The table the app keeps this report's rows in."""
        return self.tables.get_table_client(
            layout.rows_table(self.names.recommendations_table, report_id))

    def recommendation_keys(self, report_id: str) -> list[tuple[str, str]]:
        try:
            rows = self.rows_table(report_id).list_entities(select=["PartitionKey", "RowKey"])
            return [(e["PartitionKey"], e["RowKey"]) for e in rows]
        except ResourceNotFoundError:  # not stored yet, or deleted
            return []

    def blob_names(self, container: str, prefix: str = "") -> list[str]:
        client = self.blobs.get_container_client(container)
        if not client.exists():
            return []
        return sorted(b.name for b in client.list_blobs(name_starts_with=prefix or None))

    def reports_rows(self) -> list[dict]:
        table = self.tables.get_table_client(self.names.reports_table)
        try:
            return list(table.list_entities())
        except Exception as exc:
            if "TableNotFound" in str(exc):
                return []
            raise
