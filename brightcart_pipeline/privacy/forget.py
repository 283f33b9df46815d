"""Carry out pending deletion requests end to end: lake and raw first, then the marts rebuilt from raw."""

from __future__ import annotations

from dataclasses import dataclass

from brightcart_pipeline.assets.transform import run_dbt_build
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.privacy.deletion import (
    audit,
    delete_from_raw,
    mark,
    pending_requests,
    purge_loaded_packages,
    record_erasures,
    resolve_person,
    scrub_lake,
    status_of,
)
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.warehouse import connect


@dataclass
class ForgetOutcome:
    requests: int = 0
    lake_files_rewritten: int = 0
    raw_rows_deleted: int = 0
    load_packages_purged: int = 0


def process_deletion_requests(settings: Settings, rebuild: bool = True) -> ForgetOutcome:
    outcome = ForgetOutcome()
    lake = open_lake(settings)
    with connect(settings) as con:
        requests = pending_requests(con)
        for request in requests:
            erasure = resolve_person(con, request.identifier_type, request.identifier_value)
            audit(con, request.request_id, "resolved",
                  f"{len(erasure.emails)} email(s), {len(erasure.record_ids)} record id(s), "
                  f"{len(erasure.values)} browser or click id(s)")
            removed = scrub_lake(lake, erasure)
            audit(con, request.request_id, "lake_rewritten", f"{len(removed)} raw file(s)")
            deleted = delete_from_raw(con, removed)
            erased = record_erasures(con, request.request_id, removed)
            audit(con, request.request_id, "raw_deleted", f"{deleted} row(s) of {erased} record(s)")
            purged = purge_loaded_packages(settings.dlt_pipelines_dir)
            audit(con, request.request_id, "load_packages_purged", f"{purged} package(s)")
            mark(con, request, "raw_done")
            outcome.lake_files_rewritten += len(removed)
            outcome.raw_rows_deleted += deleted
            outcome.load_packages_purged += purged
        # Deleted rows must not linger in free blocks of the file.
        con.execute("checkpoint")
    outcome.requests = len(requests)
    if requests and rebuild:
        run_dbt_build(settings)
        complete_rebuilt_requests(settings)
    return outcome


def complete_rebuilt_requests(settings: Settings) -> int:
    """Requests whose raw rows are gone are complete once the marts have been rebuilt from raw."""
    with connect(settings) as con:
        waiting = [r for r in pending_requests(con) if status_of(con, r.request_id) == "raw_done"]
        for request in waiting:
            audit(con, request.request_id, "marts_rebuilt")
            mark(con, request, "completed")
    return len(waiting)
