"""One frozen settings object, read from the environment (app settings) at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    storage_connection: str = "AzureWebJobsStorage"
    uploads_container: str = "advisor-uploads"
    reports_container: str = "reports"
    reports_table: str = "Reports"
    # Each report's rows are a table named this and a digest of the report id (and reports
    # stored before that keep their rows in the table named this alone).
    recommendations_table: str = "Recommendations"
    clients_table: str = "Clients"
    exclusions_table: str = "Exclusions"
    actions_table: str = "Actions"
    audit_table: str = "Audit"
    shares_table: str = "Shares"
    rate_limits_table: str = "RateLimits"
    max_upload_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_000_000
    shards: int = 16
    failed_report_retention_days: int = 7
    durable_history_retention_days: int = 30
    audit_retention_days: int = 365
    # Requests per caller per minute, by route class; 0 turns a limit off.
    rate_limit_uploads: int = 30
    rate_limit_renders: int = 60
    rate_limit_reads: int = 600
    rate_limit_drops: int = 30  # blob drops per client folder per minute
    # Failed anonymous share-link requests (unknown, expired, revoked) per caller address.
    rate_limit_share_failures: int = 20
    rate_limit_window_seconds: int = 60
    # Claim types that name the clients a signed-in caller may see (CLIENT_CLAIM_TYPES,
    # comma-separated). A claim of any other type is ignored: it grants nothing.
    # extn.clientIds: how Entra ID names an optional claim from a directory extension.
    # Azure Resource Manager, where imports read Advisor (a sovereign cloud's, or a test's).
    azure_resource_manager_endpoint: str = "https://management.azure.com"
    client_claim_types: tuple[str, ...] = (
        "clientId", "clientIds", "extension_clientIds", "extn.clientIds",
        "http://schemas.advisor-reports/claims/clientid")


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"App setting {name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"App setting {name} must be at least {minimum}, not {value}")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from app settings; fail fast and clearly on a bad value."""
    env = os.environ if env is None else env
    d = Settings()
    return Settings(
        storage_connection=env.get("STORAGE_CONNECTION", d.storage_connection),
        uploads_container=env.get("UPLOADS_CONTAINER", d.uploads_container),
        reports_container=env.get("REPORTS_CONTAINER", d.reports_container),
        reports_table=env.get("REPORTS_TABLE", d.reports_table),
        recommendations_table=_table_prefix(env, "RECOMMENDATIONS_TABLE",
                                            d.recommendations_table),
        clients_table=env.get("CLIENTS_TABLE", d.clients_table),
        exclusions_table=env.get("EXCLUSIONS_TABLE", d.exclusions_table),
        actions_table=env.get("ACTIONS_TABLE", d.actions_table),
        audit_table=env.get("AUDIT_TABLE", d.audit_table),
        shares_table=env.get("SHARES_TABLE", d.shares_table),
        rate_limits_table=env.get("RATE_LIMITS_TABLE", d.rate_limits_table),
        max_upload_bytes=_int(env, "MAX_UPLOAD_BYTES", d.max_upload_bytes),
        max_rows=_int(env, "MAX_ROWS", d.max_rows),
        shards=_int(env, "RECOMMENDATION_SHARDS", d.shards),
        failed_report_retention_days=_int(env, "FAILED_REPORT_RETENTION_DAYS",
                                          d.failed_report_retention_days),
        durable_history_retention_days=_int(env, "DURABLE_HISTORY_RETENTION_DAYS",
                                            d.durable_history_retention_days),
        audit_retention_days=_int(env, "AUDIT_RETENTION_DAYS", d.audit_retention_days),
        rate_limit_uploads=_int(env, "RATE_LIMIT_UPLOADS", d.rate_limit_uploads, 0),
        rate_limit_renders=_int(env, "RATE_LIMIT_RENDERS", d.rate_limit_renders, 0),
        rate_limit_reads=_int(env, "RATE_LIMIT_READS", d.rate_limit_reads, 0),
        rate_limit_drops=_int(env, "RATE_LIMIT_DROPS", d.rate_limit_drops, 0),
        rate_limit_share_failures=_int(env, "RATE_LIMIT_SHARE_FAILURES",
                                       d.rate_limit_share_failures, 0),
        rate_limit_window_seconds=_int(env, "RATE_LIMIT_WINDOW_SECONDS",
                                       d.rate_limit_window_seconds),
        client_claim_types=_names(env, "CLIENT_CLAIM_TYPES", d.client_claim_types),
        azure_resource_manager_endpoint=_https_url(env, "AZURE_RESOURCE_MANAGER_ENDPOINT",
                                                   d.azure_resource_manager_endpoint),
    )


def _table_prefix(env: Mapping[str, str], name: str, default: str) -> str:
    """The start of table names that go on with 32 hex digits (a name holds 63 at most)."""
    raw = env.get(name) or default
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]{2,30}", raw):
        raise SettingsError(f"App setting {name} must be 3 to 31 letters and digits, a letter "
                            f"first (each report's table adds 32 to it), not {raw!r}")
    return raw


def _https_url(env: Mapping[str, str], name: str, default: str) -> str:
    """An https URL without a trailing slash; the default when unset. Tokens go there: never
    in clear text."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"App setting {name} must be an https URL such as {default}, "
                            f"not {raw!r}")
    return raw.rstrip("/")


def _names(env: Mapping[str, str], name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list of names; the default when unset or empty."""
    names = tuple(dict.fromkeys(n.strip() for n in (env.get(name) or "").split(",")
                                if n.strip()))
    return names or default


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (app settings do not change while a worker runs)."""
    return load_settings()
