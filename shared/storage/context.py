"""Everything that touches storage, built once per process from the settings."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cached_property, lru_cache

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient
from azure.storage.blob import ContainerClient

from shared.settings import Settings, get_settings
from shared.storage.clients import ClientsRepository
from shared.storage.factory import StorageClients, build_clients
from shared.storage.recommendations import RecommendationsRepository
from shared.storage.reports import ReportsRepository
from shared.storage.tables import ensure_table


@dataclass(frozen=True)
class Storage:
    settings: Settings
    clients: StorageClients

    @cached_property
    def reports(self) -> ReportsRepository:
        return ReportsRepository(ensure_table(self.clients.table, self.settings.reports_table))

    @cached_property
    def recommendations(self) -> RecommendationsRepository:
        return RecommendationsRepository(self.clients.table, self.settings.recommendations_table)

    @cached_property
    def client_records(self) -> ClientsRepository:
        return ClientsRepository(ensure_table(self.clients.table, self.settings.clients_table))

    @cached_property
    def exclusions(self) -> TableClient:
        """Exclusion rules: PartitionKey = client id, RowKey = rule id."""
        return ensure_table(self.clients.table, self.settings.exclusions_table)

    @cached_property
    def actions(self) -> TableClient:
        """Tracked actions: PartitionKey = client id, RowKey = action key (storage/actions.py)."""
        return ensure_table(self.clients.table, self.settings.actions_table)

    @cached_property
    def audit(self) -> TableClient:
        """Audit entries: PartitionKey = "audit", RowKey = newest first (services/audit.py)."""
        return ensure_table(self.clients.table, self.settings.audit_table)

    @cached_property
    def shares(self) -> TableClient:
        """Share links: PartitionKey = report id, RowKey = share id."""
        return ensure_table(self.clients.table, self.settings.shares_table)

    @cached_property
    def rate_limits(self) -> TableClient:
        """Rate-limit counters: PartitionKey = route class, RowKey = caller and window."""
        return ensure_table(self.clients.table, self.settings.rate_limits_table)

    @cached_property
    def uploads(self) -> ContainerClient:
        return self._container(self.settings.uploads_container)

    @cached_property
    def artifacts(self) -> ContainerClient:
        return self._container(self.settings.reports_container)

    def _container(self, name: str) -> ContainerClient:
        container = self.clients.blob.get_container_client(name)
        with contextlib.suppress(ResourceExistsError):
            container.create_container()
        return container


@lru_cache(maxsize=1)
def get_storage() -> Storage:
    """The process's storage; tables and containers are created on first use."""
    settings = get_settings()
    return Storage(settings, build_clients(settings.storage_connection))
