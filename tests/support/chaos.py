"""The chaos run: thirty simulated days of the daily pipeline while a fault plan breaks things on chosen days.

On each run day the clock moves to 06:00 UTC of the next day, that day's faults (and only those: a
vendor's glitch is transient, so later re-pulls see clean data) are switched on, the day's sources run
extract → land → load, and then every Dagster quality check of their raw tables runs against the
warehouse with the faults off, as the daily build does. A crash runs the source in a subprocess that is
SIGKILLed in the middle of the extract or of the load, then the day reruns it. What each day shows
(retries, throttles, dead letters, new check results) is kept as an observation, so the test can hold
each fault to what it should have caused and write the report table from the same data.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from unittest import mock

import dagster as dg
import duckdb

from brightcart_pipeline.assets import quality as quality_assets
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.lake.landing import DEAD_LETTER, decode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import PROJECT_ROOT, Settings
from brightcart_pipeline.simulator.faults import Fault, FaultPlan, SchemaDrift
from brightcart_pipeline.simulator.people import is_special
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_ads import true_spend_by_ad_day, true_spend_by_campaign_day
from brightcart_pipeline.simulator.truth_commerce import true_orders
from brightcart_pipeline.simulator.truth_web import crm_contacts
from brightcart_pipeline.simulator.world import US_PER_DAY, World, WorldConfig
from brightcart_pipeline.sources import ENABLED_SOURCES
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.warehouse import connect

CHAOS_WORLD = WorldConfig(seed=23, start=dt.date(2026, 10, 1), days=30, scale=0.00002)
# A slow answer longer than this is a timeout for the client; the slow faults below outlast it.
HTTP_TIMEOUT_SECONDS = 2.5
SLOW_SECONDS = 3.5
Crash = Literal["extract", "load"]


def world_day(index: int) -> dt.date:
    """The simulated day `index` (1-based): the run on that day extracts through this date."""
    return CHAOS_WORLD.start + dt.timedelta(days=index - 1)


def run_clock(index: int) -> dt.datetime:
    """06:00 UTC the morning after day `index`: when its daily run happens (the simulator's own default)."""
    return dt.datetime.combine(world_day(index) + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)


@dataclass(frozen=True)
class Injection:
    """One planned fault: the day its run meets it, the faults switched on, and what it must cause.

    `signals` are the Dagster checks (`asset/check`) that must newly fail or warn after that day's run;
    `signals_if_spend_lost` those that must when the records the fault broke carried spend (a broken record of
    an ad that spent nothing changes no total). Every other run must raise none. `retries` says the HTTP layer
    must have ridden something out.
    """

    day: int
    kind: str
    source: str
    faults: tuple[Fault, ...] = ()
    crash: Crash | None = None
    signals: frozenset[str] = frozenset()
    signals_if_spend_lost: frozenset[str] = frozenset()
    retries: bool = False
    dead_letters: bool = False


def _request(day: int, vendor: str, kind: str, **fields: object) -> Fault:
    """A request fault fires on the clock day of the run (the morning after the simulated day)."""
    return Fault(vendor=vendor, kind=kind, on=run_clock(day).date(), **fields)  # type: ignore[arg-type]


def _data(day: int, vendor: str, kind: str, **fields: object) -> Fault:
    """A data fault renders the records of the simulated day itself."""
    return Fault(vendor=vendor, kind=kind, on=world_day(day), **fields)  # type: ignore[arg-type]


def _check(source: str, table: str, name: str) -> str:
    return f"raw_{source}/{table}:{name}"


INJECTIONS: tuple[Injection, ...] = (
    # Day 2: every vendor's throttling dialect and the transport faults, in the same run.
    *(Injection(2, f"throttle ({dialect})", vendor, (_request(2, vendor, "throttle", count=count),), retries=True)
      for vendor, dialect, count in (
          ("google_ads", "429 RESOURCE_EXHAUSTED with a retryDelay", 2),
          ("meta_ads", "HTTP 400 code 17/80000 with usage headers", 2),
          ("shopify", "429 with Retry-After", 1),
          ("hubspot", "429 with policyName", 2),
          ("ga4", "429 RESOURCE_EXHAUSTED", 2))),
    Injection(2, "5xx burst (503 x3)", "shopify", (_request(2, "shopify", "server_error", count=3),), retries=True),
    Injection(2, "5xx burst (502 x2)", "hubspot", (_request(2, "hubspot", "server_error", count=2, status=502),),
              retries=True),
    Injection(2, "timeout (answers slower than the client waits)", "google_ads",
              (_request(2, "google_ads", "slow", count=2, delay_seconds=SLOW_SECONDS),), retries=True),
    Injection(2, "dropped connection", "meta_ads", (_request(2, "meta_ads", "drop_connection", count=2),),
              retries=True),
    Injection(2, "dropped connection", "ga4", (_request(2, "ga4", "drop_connection", count=2),), retries=True),
    Injection(2, "duplicated records across pages", "google_ads",
              (_data(2, "google_ads", "duplicate_records", resource="campaign", count=3),)),
    Injection(2, "duplicated records across pages", "shopify",
              (_data(2, "shopify", "duplicate_records", resource="orders", count=3),)),
    Injection(2, "malformed records", "google_ads",
              (_data(2, "google_ads", "malformed_records", resource="campaign", count=1),),
              signals_if_spend_lost=frozenset({
                  _check("google_ads", "campaign_metrics_daily", "reconcile_with_source")}),
              dead_letters=True),
    # Day 5: a crash mid-extract, malformed and withdrawn records, a new field; Google Ads re-pulls day 2 clean.
    Injection(5, "SIGKILL mid-extract, then rerun", "shopify",
              (_request(5, "shopify", "slow", endpoint="orders.json", count=4, delay_seconds=1.0),),
              crash="extract"),
    Injection(5, "malformed records", "meta_ads",
              (_data(5, "meta_ads", "malformed_records", resource="insights", count=2),),
              signals_if_spend_lost=frozenset({_check("meta_ads", "ad_insights_daily", "reconcile_with_source")}),
              dead_letters=True),
    Injection(5, "deleted records (events withdrawn from the export)", "ga4",
              (_data(5, "ga4", "deleted_records", resource="events", count=2),),
              signals=frozenset({_check("ga4", "events", "reconcile_with_source")})),
    Injection(5, "schema drift: field added", "hubspot",
              (_data(5, "hubspot", "schema_drift", resource="contacts",
                     drift=SchemaDrift(add="properties.loyalty_tier")),),
              signals=frozenset({_check("hubspot", "contacts", "schema_drift")})),
    # Day 15: a crash mid-load, a renamed and a retyped field (the retyped day is inside the run's lookback); the
    # other sources re-pull their faulted days clean. A person asks to be forgotten after this run.
    Injection(15, "SIGKILL mid-load, then rerun", "meta_ads", crash="load"),
    Injection(15, "schema drift: field renamed", "google_ads",
              (_data(15, "google_ads", "schema_drift", resource="campaign",
                     drift=SchemaDrift(rename={"metrics.costMicros": "spendMicros"})),),
              signals=frozenset({_check("google_ads", "campaign_metrics_daily", "schema_drift"),
                                 _check("google_ads", "campaign_metrics_daily", "expectations"),
                                 _check("google_ads", "campaign_metrics_daily", "reconcile_with_source")})),
    # An int64 arriving as a float breaks the record contract: every retyped record is dead-lettered.
    Injection(15, "schema drift: field retyped", "google_ads",
              (_data(14, "google_ads", "schema_drift", resource="ad_group_ad",
                     drift=SchemaDrift(retype=["metrics.impressions"])),),
              dead_letters=True),
)
FORGET_DAY = 15  # after this day's run, a person asks to be forgotten
QUIET_BEFORE_REQUEST_DAYS = 7  # longer than any source's lookback: nothing of theirs is re-pulled
ALL = ENABLED_SOURCES
# The days the daily pipeline runs, and for which sources; then one last run once every ad day is final. Between
# runs the clock moves on without one (cursors and lookbacks catch up), which keeps thirty days affordable in CI.
# Every source has clean runs after its faults (the last run for all): they re-pull the faulted days and must
# clear what the faults raised.
RUN_DAYS: tuple[tuple[int, tuple[str, ...]], ...] = ((2, ALL), (5, ALL), (FORGET_DAY, ALL))


def injections_on(day: int, source: str | None = None) -> list[Injection]:
    return [i for i in INJECTIONS if i.day == day and source in (None, i.source)]


def fired_key(fault: Fault) -> str:
    """How a fault's count is kept in an observation: vendor, kind and the day it was planned for."""
    return f"{fault.vendor} {fault.kind} {fault.on}"


@dataclass
class SourceRun:
    requests: int = 0
    throttled: int = 0
    retried: int = 0
    landed: int = 0
    rejected: int = 0
    loaded: int = 0


@dataclass
class DayObservation:
    day: int
    sources: dict[str, SourceRun] = field(default_factory=dict)
    faults_fired: dict[str, int] = field(default_factory=dict)  # `fired_key` -> requests or records met
    failing: dict[str, str] = field(default_factory=dict)  # check -> description (failed, or passed with WARN)
    new_signals: dict[str, str] = field(default_factory=dict)  # failing now, not at the check's last run
    crashes: dict[str, str] = field(default_factory=dict)  # source -> what its killed run left behind
    restated_days: dict[str, list[str]] = field(default_factory=dict)  # platform -> days whose loaded spend changed

    def clean_sources(self) -> list[str]:
        """The sources this day's run met no planned fault at."""
        return [s for s in self.sources if not injections_on(self.day, s)]

    def signals_of(self, source: str) -> set[str]:
        return {k for k in self.new_signals if k.startswith(f"raw_{source}/")}


@dataclass
class ChaosRun:
    server: SimulatorServer
    settings: Settings
    days: list[DayObservation] = field(default_factory=list)
    check_state: dict[str, str] = field(default_factory=dict)  # every check failing or warning at its last run
    spend_seen: dict[tuple[str, str], int] = field(default_factory=dict)  # (platform, day) -> loaded spend

    def run_day(self, day: int, sources: tuple[str, ...], clock: dt.datetime | None = None) -> DayObservation:
        observation = DayObservation(day)
        injections = injections_on(day)
        self.server.context.set_clock(clock or run_clock(day))
        self.server.context.faults.replace(FaultPlan(faults=[f for i in injections for f in i.faults]))
        for crash in (i for i in injections if i.crash):
            observation.crashes[crash.source] = crash_then_leave(self.settings, self.server, crash, world_day(day))
        last_day = min(world_day(day), CHAOS_WORLD.end - dt.timedelta(days=1))
        window = ExtractWindow(CHAOS_WORLD.first_utc_day, last_day + dt.timedelta(days=1))
        for source in sources:
            result = run_ingest(self.settings, source, window)  # type: ignore[arg-type]
            observation.sources[source] = SourceRun(
                result.requests, result.throttled, result.retried, sum(result.landed.values()),
                sum(result.rejected.values()), result.loaded_total)
        observation.restated_days = self.restatements(sources)
        observation.faults_fired = {f"{v} {k} {on}": n for (v, k, on), n in self.server.context.faults.fired.items()}
        self.server.context.faults.replace(FaultPlan())  # the glitch is over: checks see the vendor's truth
        observation.failing = failing_checks(self.settings, sources)
        observation.new_signals = {k: v for k, v in observation.failing.items() if k not in self.check_state}
        for key in [k for k in self.check_state if k.split("/")[0].removeprefix("raw_") in sources]:
            del self.check_state[key]
        self.check_state.update(observation.failing)
        self.days.append(observation)
        return observation

    def restatements(self, sources: tuple[str, ...]) -> dict[str, list[str]]:
        """Days whose loaded spend a run changed: the platforms' late restatements arriving."""
        changed: dict[str, list[str]] = {}
        with connect(self.settings, read_only=True) as con:
            for platform, sql in SPEND_BY_DAY.items():
                if platform not in sources:
                    continue
                for day, spend in con.sql(sql).fetchall():
                    before = self.spend_seen.get((platform, day))
                    if before is not None and before != spend:
                        changed.setdefault(platform, []).append(day)
                    self.spend_seen[(platform, day)] = spend
        return changed


SPEND_BY_DAY = {
    "google_ads": "select segments__date, sum(metrics__cost_micros::hugeint) "
                  "from raw_google_ads.campaign_metrics_daily group by 1",
    "meta_ads": "select date_start, sum(spend::decimal(18, 2)) from raw_meta_ads.ad_insights_daily group by 1",
}


@contextmanager
def shared_warehouse(settings: Settings) -> Iterator[None]:
    """One read-only connection for a round of checks (each check opening its own costs more than it runs)."""
    with connect(settings, read_only=True) as con:
        @contextmanager
        def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
            yield con

        with mock.patch.object(quality_assets, "get_settings", lambda: settings), \
                mock.patch.object(quality_assets, "warehouse", warehouse):
            yield


def failing_checks(settings: Settings, sources: tuple[str, ...]) -> dict[str, str]:
    """The Dagster quality checks of `sources`' raw tables that failed or warned, with their description.

    Each check's own body runs, as the definition holds it: invoking it through Dagster adds an ephemeral
    instance per call, which costs ten times the check itself and would make a round of sixty checks take a minute.
    """
    found: dict[str, str] = {}
    with shared_warehouse(settings):
        for check in quality_assets.quality_checks:
            (key,) = check.check_keys
            if key.asset_key.path[0].removeprefix("raw_") not in sources:
                continue
            result: dg.AssetCheckResult = check.node_def.compute_fn.decorated_fn()  # type: ignore[union-attr]
            if not result.passed or result.severity.value == "WARN":
                found[key.to_user_string()] = result.description or ""
    return found


# -- crashes ---------------------------------------------------------------------------------------------
DAILY_RUN = """
import datetime as dt, sys, time
from pathlib import Path
from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.settings import load_settings
from brightcart_pipeline.sources.base import ExtractWindow
source, first, end, marker = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
if marker != "-":
    # Hold the load step after its jobs ran and before the package is marked complete, so a SIGKILL lands
    # mid-load: rows are in the tables, dlt's state and the package are not committed.
    from dlt.load.load import Load
    complete = Load.complete_package
    def held(self, *args, **kwargs):
        Path(marker).touch()
        time.sleep(120)
        return complete(self, *args, **kwargs)
    Load.complete_package = held
run_ingest(load_settings(), source, ExtractWindow(dt.date.fromisoformat(first), dt.date.fromisoformat(end)))
"""


def subprocess_env(settings: Settings, server: SimulatorServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIGHTCART_", "DAGSTER_", "DBT_"))}
    return env | {"BRIGHTCART_HOME": str(settings.home), "BRIGHTCART_API_BASE_URL": server.base_url,
                  "BRIGHTCART_START_DATE": settings.start_date.isoformat(),
                  "BRIGHTCART_SIMULATOR_DAYS": str(settings.simulator_days),
                  "BRIGHTCART_HTTP_TIMEOUT_SECONDS": str(settings.http_timeout_seconds),
                  "BRIGHTCART_REQUESTS_PER_SECOND": str(settings.requests_per_second)}


def crash_then_leave(settings: Settings, server: SimulatorServer, injection: Injection, last_day: dt.date) -> str:
    """Run the day's extract of the injected source in a subprocess and SIGKILL it mid-extract or mid-load."""
    crash = injection.crash
    lake = open_lake(settings)
    prefix = f"raw/{injection.source}/"
    files_before = set(lake.list(prefix))
    marker = settings.home / f"load-started-{last_day}"
    args = [sys.executable, "-c", DAILY_RUN, injection.source, CHAOS_WORLD.first_utc_day.isoformat(),
            (last_day + dt.timedelta(days=1)).isoformat(), str(marker) if crash == "load" else "-"]
    process = subprocess.Popen(args, env=subprocess_env(settings, server), cwd=PROJECT_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, f"the {crash} run ended before it could be killed: " + \
                process.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            if (marker.exists() if crash == "load" else set(lake.list(prefix)) - files_before):
                break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    landed = len(set(lake.list(prefix)) - files_before)
    return f"killed mid-{crash} after landing {landed} page file(s)"


def quiet_customer(world: World, request_us: int, final_us: int) -> tuple[int, str]:
    """A person with orders and a CRM contact by the request and no activity from a week before it to the end
    (no order placed or changed, no contact touch, no visit): none of their records is extracted again after they
    are erased, so the warehouse must stay without them. Returns the person and their contact's email."""
    since = request_us - QUIET_BEFORE_REQUEST_DAYS * US_PER_DAY
    contacts = crm_contacts(world, final_us).values()
    busy = {o.person_id for o in true_orders(world, final_us) if o.updated_us >= since}
    busy |= {c.person_id for c in contacts if c.last_modified_us >= since}
    for day in world.days():
        sessions = day.sessions
        assert sessions is not None
        busy |= {int(p) for p in sessions.person_id[sessions.start_ts >= since]}
    buyers = {o.person_id for o in true_orders(world, request_us) if not o.is_test}
    emails = {c.person_id: c.email for c in contacts if c.merged_into is None}
    pid = min(p for p in (buyers & set(emails)) - busy if not is_special(p))
    return pid, emails[pid]


def query(settings: Settings, sql: str) -> list[tuple]:
    with connect(settings, read_only=True) as con:
        return con.sql(sql).fetchall()


# -- dead letters and the report ---------------------------------------------------------------------------
def dead_letters(settings: Settings) -> list[dict]:
    lake = open_lake(settings)
    return [entry for key in lake.list(f"{DEAD_LETTER}/") for entry in decode_records(lake.read(key))]


def report_path() -> Path:
    return PROJECT_ROOT / "docs" / "chaos.md"


# What the platform does about each kind of fault: the behaviour the observations are checked against.
RESPONSE = {
    "throttle": "waited as long as the vendor asked (its own dialect), then retried",
    "server_error": "backed off with jitter and retried",
    "slow": "timed out the request, backed off and retried",
    "drop_connection": "retried the request on a new connection",
    "crash_extract": "rerun resumed from the last committed cursor; pages landed twice merged on the primary key",
    "crash_load": "rerun finished the pending load package first; merge on the primary key kept rows single",
    "duplicate_records": "landed as received; the merge on the primary key kept one row per key",
    "schema_drift": "the new field kept as a new raw column (staging ignores it until modelled)",
    "schema_drift_rename": "the field landed under its new name and the column the models use went empty: the "
                           "blocking checks stop the marts below it until the lookback re-pull restores the day",
    "schema_drift_retype": "records breaking the contract (an int64 as a float) dead-lettered with the reason; the "
                           "lookback re-pull loaded them whole",
    "malformed_records": "dead-lettered with the reason; the lookback re-pull loaded the record whole",
    "deleted_records": "reconciliation against the vendor's own report flagged the day; the late-arrival "
                       "re-pull restored the events",
}


def _kind(injection: Injection) -> str:
    if injection.crash:
        return f"crash_{injection.crash}"
    fault = injection.faults[0]
    if fault.kind == "schema_drift" and (fault.drift.rename or fault.drift.retype):
        return "schema_drift_rename" if fault.drift.rename else "schema_drift_retype"
    return fault.kind


def letters_of(letters: list[dict], fault: Fault) -> list[dict]:
    """The dead letters a data fault's records became: its vendor's, landed for its data day."""
    return [e for e in letters if e["source"] == fault.vendor and f"/dt={fault.on}/" in e["raw_file"]]


# The true spend (micros) of the row a dead-lettered metrics record stood for.
SPEND_OF_LETTER = {
    "google_ads": lambda world, r: true_spend_by_campaign_day(world, "google_ads").get(
        (str(r["campaign"]["id"]), r["segments"]["date"]), 0),
    "meta_ads": lambda world, r: true_spend_by_ad_day(world, "meta_ads").get((r["ad_id"], r["date_start"]), 0),
}


def expected_signals(injection: Injection, letters: list[dict], world: World) -> frozenset[str]:
    """The checks an injection must raise: its own, and those that depend on whether it lost spend."""
    if not injection.signals_if_spend_lost:
        return injection.signals
    spend = SPEND_OF_LETTER[injection.source]
    lost = sum(spend(world, e["record"]) for f in injection.faults for e in letters_of(letters, f))
    return injection.signals | (injection.signals_if_spend_lost if lost else frozenset())


def _happened(observation: DayObservation, injection: Injection) -> str:
    if injection.crash:
        return observation.crashes.get(injection.source, "no crash")
    met = [f"{observation.faults_fired.get(fired_key(f), 0)} x {f.kind}" for f in injection.faults]
    return ", ".join(met)


def _detection(observation: DayObservation, injection: Injection, letters: list[dict], world: World) -> str:
    found = []
    run = observation.sources.get(injection.source, SourceRun())
    if injection.retries:
        found.append(f"HTTP layer: {run.throttled} throttled, {run.retried} retried")
    expected = expected_signals(injection, letters, world)
    found += [f"check `{k}`" for k in sorted(expected & observation.signals_of(injection.source))]
    if injection.dead_letters:
        found.append(f"{sum(len(letters_of(letters, f)) for f in injection.faults)} dead letter(s)")
    if injection.signals_if_spend_lost and expected == injection.signals:
        found.append("no reconciliation difference: the broken rows' ads spent nothing that day")
    if injection.crash:
        found.append("rerun after the kill")
    return "; ".join(found) or "no check needed: the final state equals the truth"


def write_report(run: ChaosRun, path: Path) -> None:
    """docs/chaos.md, generated from the run's observations (never edited by hand)."""
    letters = dead_letters(run.settings)
    observed = {o.day: o for o in run.days}
    lines = [
        "# Chaos run",
        "",
        "Generated by `tests/test_chaos.py` (marker `chaos`) from the observations of its own run; do not edit.",
        f"World: seed {CHAOS_WORLD.seed}, {CHAOS_WORLD.days} days from {CHAOS_WORLD.start}, scale "
        f"{CHAOS_WORLD.scale}. Runs on days {', '.join(str(o.day) for o in run.days)} (the last at the "
        "morning every ad day is final).",
        "",
        "| fault kind | day / source | what happened | how it was detected | what the platform did |",
        "|---|---|---|---|---|",
    ]
    for injection in INJECTIONS:
        observation = observed[injection.day]
        lines.append(f"| {injection.kind} | day {injection.day} / {injection.source} | "
                     f"{_happened(observation, injection)} | "
                     f"{_detection(observation, injection, letters, run.server.world)} | "
                     f"{RESPONSE[_kind(injection)]} |")
    for observation in run.days:
        for platform, days in observation.restated_days.items():
            lines.append(f"| late restatement | day {observation.day} / {platform} | spend of {len(days)} "
                         f"earlier day(s) changed ({', '.join(sorted(days)[:3])}{'…' if len(days) > 3 else ''}) | "
                         "loaded spend compared run over run | lookback re-pull merged the final numbers |")
    lines.append(f"| deletion request | day {FORGET_DAY} / all | one person forgotten (`brightcart forget --queue`) "
                 "| audit trail in `privacy.deletion_audit`; later reconciliations stay clean | lake files rewritten, "
                 "raw rows deleted (tombstones in `privacy.erased_records` keep the vendors' totals reconcilable), "
                 "marts rebuilt |")
    clean = {o.day: o.clean_sources() for o in run.days if o.clean_sources()}
    noisy = {f"day {o.day} / {s}": sorted(o.signals_of(s)) for o in run.days for s in o.clean_sources()
             if o.signals_of(s)}
    lines += ["", "Runs without a planned fault: " + "; ".join(f"day {d}: {', '.join(s)}" for d, s in clean.items())
              + f". They raised {noisy if noisy else 'no check'}.", ""]
    path.write_text("\n".join(lines))
