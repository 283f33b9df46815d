"""Audiences to HubSpot and Meta: the sync asset, its size-guard check, and the hourly job and schedule.

The job rebuilds the audience models (dbt group `audiences`) and then syncs; a held audience (implausible
size) sends nothing and fails the `audience_size_guard` check, naming the audience and why.
"""

from __future__ import annotations

import dagster as dg
import duckdb

from brightcart_pipeline.activation.destinations import destinations_for
from brightcart_pipeline.activation.state import AuditEntry, ensure_schema, latest_holds
from brightcart_pipeline.activation.sync import sync_audiences
from brightcart_pipeline.settings import get_settings

AUDIENCE_SYNC = dg.AssetKey(["activation", "audience_sync"])
AUDIENCE_MEMBERS = dg.AssetKey(["audiences", "audience_members"])
ACTIVATION_CRON = "20 * * * *"  # hourly, after the near-real-time extract: cart reminders go stale fast


@dg.asset(key=AUDIENCE_SYNC, group_name="activation", deps=[AUDIENCE_MEMBERS],
          description="Sends each audience's changes since the last sync to HubSpot lists and Meta custom "
                      "audiences: consented members only, deletion requests removed everywhere, audited in the "
                      "warehouse's activation schema.")
def audience_sync() -> dg.MaterializeResult:
    settings = get_settings()
    with duckdb.connect(str(settings.warehouse_path)) as con:
        report = sync_audiences(con, destinations_for(settings))
    return dg.MaterializeResult(metadata={
        "sync_id": report.sync_id, "requests": report.requests,
        "members_sent": sum(e.members for e in report.sent),
        "held": [f"{h.audience_name} → {h.destination}" for h in report.holds]})


@dg.asset_check(asset=AUDIENCE_SYNC, name="audience_size_guard",
                description="Fails when the latest sync held an audience: below the minimum size, or a swing "
                            "beyond the allowed share since the last sync. Nothing was sent for it.")
def audience_size_guard() -> dg.AssetCheckResult:
    with duckdb.connect(str(get_settings().warehouse_path)) as con:
        ensure_schema(con)
        holds = latest_holds(con)
    return size_guard_result(holds)


def size_guard_result(holds: list[AuditEntry]) -> dg.AssetCheckResult:
    if not holds:
        return dg.AssetCheckResult(passed=True, description="No audience held in the latest sync.")
    lines = [f"{h.audience_name} → {h.destination}: held, {h.detail}" for h in holds]
    return dg.AssetCheckResult(
        passed=False, severity=dg.AssetCheckSeverity.ERROR,
        description="Sync held, nothing sent for: " + "; ".join(lines)
                    + ". Check the audience model; if the change is real, run the sync with a wider guard.",
        metadata={"held": lines})


activation_job = dg.define_asset_job(
    "sync_audiences", selection=dg.AssetSelection.groups("audiences") | dg.AssetSelection.assets(AUDIENCE_SYNC),
    description="Rebuild the audience models, then send their changes to HubSpot and Meta.")

activation_schedule = dg.ScheduleDefinition(
    name="audience_sync_hourly", cron_schedule=ACTIVATION_CRON, job=activation_job, execution_timezone="UTC",
    description="Hourly audience sync to HubSpot and Meta.")
