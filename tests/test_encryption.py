"""Encryption at rest, locally: a copy of the data folder alone reveals nobody.

After the whole pipeline (five sources ingested, full dbt build), every byte under the data folder (the
warehouse file, the lake, dlt's working folders, dbt's target and logs) is searched for the simulator's
ground-truth emails, phones and names, and for the keys themselves; the warehouse does not open without its
key; with it, everything reads. dlt's loads go into the attached (encrypted) catalog and leave no plain copy.
`brightcart keys rotate` re-encrypts the lake and the warehouse, and an interrupted rotation loses nothing.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dlt
import duckdb
import pytest
from cryptography.exceptions import InvalidTag

from brightcart_pipeline.assets.transform import DBT_PROJECT_DIR
from brightcart_pipeline.lake.store import LocalLake, open_lake
from brightcart_pipeline.privacy import rotation
from brightcart_pipeline.privacy.keys import pending_key_path, read_key
from brightcart_pipeline.privacy.rotation import RotationReport, rotate_keys
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.simulator.people import canonical_email, email_variant, is_special, person
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.warehouse import WarehouseKeyError, attach_sql, connect, dlt_destination, warehouse_catalog
from tests.conftest import BuiltWorld

pytestmark = pytest.mark.integration

EMAIL_TOKEN = re.compile(rb"[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,4}")
PHONE_TOKEN = re.compile(rb"\+\d{8,15}")
NAME_TOKEN = re.compile(rb"[A-Z][a-z]+")
MIN_NAME_LENGTH = 6  # shorter names turn up by chance in random (encrypted) bytes
EMAIL_VARIANTS = 6  # people.email_variant cycles through six spellings


@dataclass(frozen=True)
class Pii:
    """The world's people as their records spell them: canonical emails, phones, the longer names."""

    emails: frozenset[str]
    phones: frozenset[bytes]
    names: frozenset[bytes]

    def found_in(self, blob: bytes) -> set[str]:
        hits = {f"email {t.decode()}" for t in EMAIL_TOKEN.findall(blob)
                if canonical_email(t.decode("ascii", "replace")) in self.emails}
        hits |= {f"phone {t.decode()}" for t in PHONE_TOKEN.findall(blob) if t in self.phones}
        hits |= {f"name {t.decode()}" for t in NAME_TOKEN.findall(blob) if t in self.names}
        return hits


def world_pii(population: int) -> Pii:
    people = [person(pid) for pid in range(population) if not is_special(pid)]
    return Pii(emails=frozenset(canonical_email(email_variant(p, v)) for p in people for v in range(EMAIL_VARIANTS)),
               phones=frozenset(p.phone.encode() for p in people),
               names=frozenset(n.encode() for p in people for n in (p.first_name, p.last_name)
                               if len(n) >= MIN_NAME_LENGTH))


def repository_fixtures(pii: Pii) -> set[str]:
    """Values the dbt project spells out itself (unit-test fixtures borrow simulated people): code, which dbt's
    logs repeat, not data."""
    sources = [p for folder in ("models", "seeds", "tests", "macros") for p in (DBT_PROJECT_DIR / folder).rglob("*")
               if p.is_file()]
    return set().union(*(pii.found_in(p.read_bytes()) for p in sources))


def readable_bytes(path: Path) -> bytes:
    """A file's bytes, gunzipped when it is a plain gzip file (as a leak of landed pages would be)."""
    blob = path.read_bytes()
    return gzip.decompress(blob) if blob[:2] == b"\x1f\x8b" else blob


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def pii(built_world: BuiltWorld) -> Pii:
    return world_pii(built_world.world.population)


def settings_in(folder: Path, settings: Settings) -> Settings:
    """`settings` with their own data folder and key files under `folder`."""
    return settings.model_copy(update={"home": folder / "data", "key_file": folder / "keys" / "lake.key",
                                       "warehouse_key_file": folder / "keys" / "warehouse.key"})


def copy_of(built: Settings, folder: Path) -> Settings:
    """The built world's warehouse, lake and keys copied under `folder`, for tests that change them."""
    settings = settings_in(folder, built)
    settings.home.mkdir(parents=True)
    shutil.copy(built.warehouse_path, settings.warehouse_path)
    shutil.copytree(built.lake_root, settings.lake_root)
    settings.key_file.parent.mkdir()
    shutil.copy(built.key_file, settings.key_file)
    shutil.copy(built.warehouse_key_file, settings.warehouse_key_file)
    return settings


# -- a copied data folder reveals nothing --------------------------------------------------------------------
def test_the_data_folder_holds_no_pii_and_no_key_in_clear(built_world: BuiltWorld, pii: Pii, tmp_path):
    settings = built_world.settings
    secrets = {"the warehouse key": read_key(settings.warehouse_key_file).hex().encode(),
               "the lake key": read_key(settings.key_file)}
    files = files_under(settings.home)
    assert settings.warehouse_path in files and any(p.is_relative_to(settings.dlt_pipelines_dir) for p in files)
    assert sum(1 for p in files if p.is_relative_to(Path(settings.lake_root))) > 50

    fixtures = repository_fixtures(pii)
    leaks = {}
    for path in files:
        blob = readable_bytes(path)
        found = (pii.found_in(blob) - fixtures) | {name for name, secret in secrets.items() if secret in blob}
        if found:
            leaks[str(path.relative_to(settings.home))] = sorted(found)[:5]
    assert not leaks

    # The search does find them in clear: a plain copy of the same warehouse is full of them.
    plain = tmp_path / "plain.duckdb"
    with connect(settings, read_only=True) as con:
        con.execute(attach_sql(plain, "plain", key=None))
        con.execute(f'COPY FROM DATABASE "{warehouse_catalog(settings)}" TO plain')
        con.execute("DETACH plain")
    kinds = {hit.split()[0] for hit in pii.found_in(plain.read_bytes())}
    assert kinds == {"email", "phone", "name"}


def test_the_warehouse_opens_only_with_its_key(built_world: BuiltWorld, tmp_path):
    settings = built_world.settings
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(settings.warehouse_path), read_only=True)
    with pytest.raises(WarehouseKeyError, match=r"does not open with .*restore the key file"):
        connect(settings.model_copy(update={"warehouse_key_file": tmp_path / "another.key"}), read_only=True)
    with pytest.raises(WarehouseKeyError, match="is encrypted: set BRIGHTCART_ENCRYPT_LOCAL_WAREHOUSE=true"):
        connect(settings.model_copy(update={"encrypt_local_warehouse": False}), read_only=True)

    truth = {o.order_id for o in true_orders(built_world.world, built_world.as_of_us)}
    with connect(settings, read_only=True) as con:
        raw = {i for (i,) in con.sql("select id from raw_shopify.orders").fetchall()}
        marts = {i for (i,) in con.sql("select order_id from core.fct_orders").fetchall()}
    assert raw == marts == truth


def test_a_plain_warehouse_from_before_encryption_is_refused_until_rotated(built_world: BuiltWorld, tmp_path):
    settings = settings_in(tmp_path, built_world.settings)
    settings.home.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema raw_shopify; create table raw_shopify.orders as select 1 as id")
    with pytest.raises(WarehouseKeyError, match="not encrypted yet: run `brightcart keys rotate`"):
        connect(settings)

    assert rotate_keys(settings).warehouse_rewritten
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(settings.warehouse_path))
    with connect(settings, read_only=True) as con:
        assert con.sql("select id from raw_shopify.orders").fetchall() == [(1,)]


# -- dlt loads into the attached catalog, and leaves no plain copy ---------------------------------------------
@dlt.resource(name="customers", primary_key="id", write_disposition="merge")
def customer_rows(version: int) -> Iterator[dict]:
    yield from ({"id": i, "email": f"probe{i}@example.org", "version": version} for i in range(10 + version))


def events(table: str) -> Iterator[dict]:
    yield from ({"table": table, "n": n} for n in range(5))


def test_dlt_loads_every_table_into_the_attached_encrypted_catalog(built_world: BuiltWorld, tmp_path):
    """Pins the subclassed dlt destination: if a dlt upgrade sends tables elsewhere, this fails."""
    settings = settings_in(tmp_path, built_world.settings)
    settings.home.mkdir(parents=True)
    tables = [f"events_{i}" for i in range(4)]  # several tables: the load runs jobs in parallel threads

    def run(version: int) -> None:
        pipeline = dlt.pipeline("probe", destination=dlt_destination(settings), dataset_name="raw_probe",
                                pipelines_dir=str(settings.dlt_pipelines_dir))
        sources = [customer_rows(version), *(dlt.resource(events(t), name=t) for t in tables)]
        pipeline.run(sources, loader_file_format="parquet")

    # A connection held across the loads keeps the in-process DuckDB alive, so a table dlt left in the
    # in-memory catalog would still be there to see.
    with connect(settings) as held:
        run(1)
        run(2)
        catalogs = held.sql("select distinct database_name from duckdb_tables()").fetchall()
        landed = {t for (t,) in held.sql("select table_name from duckdb_tables() where schema_name = 'raw_probe'")
                  .fetchall()}
        assert catalogs == [(warehouse_catalog(settings),)]
        staging = held.sql("select count(*) from raw_probe_staging.customers").fetchone()
    assert {"customers", "_dlt_loads", "_dlt_pipeline_state", "_dlt_version", *tables} <= landed
    with connect(settings, read_only=True) as con:
        assert con.sql("select count(*), min(version) from raw_probe.customers").fetchone() == (12, 2)  # merged
        assert all(con.sql(f"select count(*) from raw_probe.{t}").fetchone() == (10,) for t in tables)
    assert staging == (12,)  # the merge staged the last load's rows in the attached catalog too

    # The pipeline state went to the warehouse too: a lost working folder is restored from it.
    shutil.rmtree(settings.dlt_pipelines_dir)
    restored = dlt.pipeline("probe", destination=dlt_destination(settings), dataset_name="raw_probe",
                            pipelines_dir=str(settings.dlt_pipelines_dir))
    restored.sync_destination()
    assert restored.state["_local"]["first_run"] is False
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(settings.warehouse_path))


def test_the_ingest_left_no_plain_copy_beside_the_warehouse(built_world: BuiltWorld):
    settings = built_world.settings
    assert not list(settings.dlt_pipelines_dir.rglob("*.parquet"))
    with connect(settings, read_only=True) as con:
        staged = con.sql("select schema_name, table_name from duckdb_tables() "
                         "where schema_name like 'raw_%_staging' and not starts_with(table_name, '_dlt')").fetchall()
        assert staged  # the merges did use staging tables
        assert {f"{s}.{t}": con.sql(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in staged} == \
            dict.fromkeys((f"{s}.{t}" for s, t in staged), 0)


# -- key rotation ------------------------------------------------------------------------------------------
def lake_contents(settings: Settings) -> dict[str, bytes]:
    lake = open_lake(settings)
    return {key: lake.read(key) for key in lake.list("")}


def warehouse_contents(settings: Settings) -> dict[str, tuple]:
    """Every table's row count and order-independent content hash, and the views' names."""
    with connect(settings, read_only=True) as con:
        tables = con.sql("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        contents = {f"{s}.{t}": con.sql(f'select count(*), bit_xor(hash(r)) from "{s}"."{t}" r').fetchone()
                    for s, t in tables}
        contents["views"] = tuple(con.sql("select schema_name, view_name from duckdb_views() "
                                          "where not internal order by all").fetchall())
    return contents


def test_keys_rotate_re_encrypts_the_lake_and_the_warehouse(built_world: BuiltWorld, tmp_path):
    settings = copy_of(built_world.settings, tmp_path)
    lake_before, warehouse_before = lake_contents(settings), warehouse_contents(settings)
    old_lake_key, old_warehouse_key = read_key(settings.key_file), read_key(settings.warehouse_key_file)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIGHTCART_", "DBT_"))}
    env |= {"BRIGHTCART_HOME": str(settings.home), "BRIGHTCART_KEY_FILE": str(settings.key_file),
            "BRIGHTCART_WAREHOUSE_KEY_FILE": str(settings.warehouse_key_file)}
    result = subprocess.run([str(Path(sys.executable).parent / "brightcart"), "keys", "rotate"], env=env,
                            capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"lake: {len(lake_before)} object(s) re-encrypted" in result.stdout
    assert "warehouse: re-encrypted" in result.stdout

    assert read_key(settings.key_file) != old_lake_key
    assert read_key(settings.warehouse_key_file) != old_warehouse_key
    assert not pending_key_path(settings.key_file).exists()
    assert not pending_key_path(settings.warehouse_key_file).exists()
    assert lake_contents(settings) == lake_before
    assert warehouse_contents(settings) == warehouse_before

    old_lake = LocalLake(Path(settings.lake_root), old_lake_key)
    with pytest.raises(InvalidTag):
        old_lake.read(next(iter(lake_before)))
    old_key_file = tmp_path / "old-warehouse.key"
    old_key_file.write_bytes(old_warehouse_key)
    with pytest.raises(WarehouseKeyError, match="does not open"):
        connect(settings.model_copy(update={"warehouse_key_file": old_key_file}), read_only=True)


class Crash(RuntimeError):
    """Stands in for the process dying mid-rotation."""


def test_an_interrupted_rotation_loses_nothing_and_a_rerun_finishes_it(built_world: BuiltWorld, tmp_path,
                                                                       monkeypatch):
    settings = copy_of(built_world.settings, tmp_path)
    lake_before, warehouse_before = lake_contents(settings), warehouse_contents(settings)
    total = len(lake_before)

    # 1. The lake rotation dies after a third of the objects.
    writes = 0
    real_write = LocalLake.write

    def dying_write(self: LocalLake, key: str, data: bytes) -> None:
        nonlocal writes
        if writes == total // 3:
            raise Crash(key)
        writes += 1
        real_write(self, key, data)

    monkeypatch.setattr(LocalLake, "write", dying_write)
    with pytest.raises(Crash):
        rotate_keys(settings)
    monkeypatch.undo()
    assert pending_key_path(settings.key_file).exists()
    assert lake_contents(settings) == lake_before  # both keys open the lake meanwhile

    # 2. The rerun carries on with the same new key and skips what was done.
    resumed = RotationReport()
    rotation.rotate_lake(settings, resumed)
    assert (resumed.lake_objects_already_rotated, resumed.lake_objects_rewritten) == (writes, total - writes)
    assert not pending_key_path(settings.key_file).exists()
    assert lake_contents(settings) == lake_before

    # 3. The warehouse rotation dies between the file swap and the key swap.
    real_finish = rotation.finish

    def dying_finish(key_file: Path) -> None:
        if key_file == settings.warehouse_key_file:
            raise Crash(key_file)
        real_finish(key_file)

    monkeypatch.setattr(rotation, "finish", dying_finish)
    with pytest.raises(Crash):
        rotation.rotate_warehouse(settings)
    monkeypatch.undo()
    with pytest.raises(WarehouseKeyError, match="rotation was interrupted; run `brightcart keys rotate`"):
        connect(settings, read_only=True)

    # 4. The rerun only swaps the key: the file is already encrypted with it.
    assert not rotation.rotate_warehouse(settings)
    assert not pending_key_path(settings.warehouse_key_file).exists()
    assert warehouse_contents(settings) == warehouse_before
