"""dlt's DuckDB destination, loading into a database file ATTACHed to an in-memory DuckDB.

DuckDB encrypts only attached databases (`ATTACH … (ENCRYPTION_KEY …)`), never a connection's main one,
and dlt's DuckDB client qualifies its tables with no catalog, so out of the box every load would land
in the in-memory catalog. Three small subclasses fix that, as dlt's own MotherDuck destination does:

- the credentials open a named in-memory DuckDB instead of the file, and run the ATTACH statement on it
  (dlt runs `statements` once per opened connection; the per-thread `duplicate()`s share its catalogs);
- the SQL client names the attached catalog (`catalog_name`), so every table, the staging dataset and
  dlt's own `_dlt_*` tables are qualified `"<catalog>"."<dataset>"."<table>"` and `search_path` points
  into the file;
- the job client builds that SQL client, and the destination factory builds that job client.

The catalog is the file's stem (`warehouse.duckdb` → `warehouse`): the name DuckDB gives a file opened
directly, so dbt, MetricFlow and every reader keep the names they compiled with.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, Final

from dlt.common.configuration import configspec
from dlt.common.destination import DestinationCapabilitiesContext
from dlt.common.schema import Schema
from dlt.destinations.impl.duckdb.configuration import DuckDbClientConfiguration, DuckDbCredentials
from dlt.destinations.impl.duckdb.duck import DuckDbClient
from dlt.destinations.impl.duckdb.factory import duckdb as duckdb_factory
from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient


def catalog_of(path: Path) -> str:
    """The catalog a DuckDB file is attached as: its stem, as when DuckDB opens the file itself."""
    return path.stem


def instance_of(path: Path, read_only: bool) -> str:
    """A named in-memory DuckDB per file and mode: DuckDB shares one instance per name within a process,
    so every connection to the warehouse in this process sees the one ATTACH (a file can be attached by
    one instance only)."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    return f":memory:brightcart_{'ro' if read_only else 'rw'}_{digest}"


@configspec(init=False)
class AttachedDuckDbCredentials(DuckDbCredentials):
    """`database` stays the file's path (dlt reports it as the data location); the connection is opened
    on the in-memory instance, whose `statements` attach the file."""

    def _conn_str(self) -> str:
        return instance_of(Path(self.database), self.read_only)


@configspec(init=False)
class AttachedDuckDbClientConfiguration(DuckDbClientConfiguration):
    destination_type: Final[str] = dataclasses.field(  # type: ignore[misc]
        default="attached_duckdb", init=False, repr=False, compare=False)
    credentials: AttachedDuckDbCredentials = None


class AttachedDuckDbSqlClient(DuckDbSqlClient):
    def catalog_name(self, quote: bool = True, casefold: bool = True) -> str | None:
        catalog = catalog_of(Path(self.credentials.database))
        if casefold:
            catalog = self.capabilities.casefold_identifier(catalog)
        return self.capabilities.escape_identifier(catalog) if quote else catalog


class AttachedDuckDbClient(DuckDbClient):
    def __init__(self, schema: Schema, config: AttachedDuckDbClientConfiguration,
                 capabilities: DestinationCapabilitiesContext) -> None:
        super().__init__(schema, config, capabilities)
        dataset_name, staging_dataset_name = DuckDbClient.create_dataset_names(schema, config)
        self.sql_client = AttachedDuckDbSqlClient(dataset_name, staging_dataset_name, config.credentials,
                                                  capabilities)


class attached_duckdb(duckdb_factory):
    spec = AttachedDuckDbClientConfiguration  # type: ignore[assignment]

    @property
    def client_class(self) -> type[AttachedDuckDbClient]:  # type: ignore[override]
        return AttachedDuckDbClient

    def __init__(self, path: Path, opening_sql: list[str], **kwargs: Any) -> None:
        """`opening_sql` ends with the ATTACH of `path` under `catalog_of(path)`."""
        super().__init__(credentials=AttachedDuckDbCredentials(str(path), statements=opening_sql), **kwargs)


attached_duckdb.register()
