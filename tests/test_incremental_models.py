"""The incremental GA4 models (stg_ga4__events, int_web__sessions) against the simulator's truth.

One small world is built while the events of a late session in an exported table are arriving (some in, some
not yet); then the clock moves on until every event has arrived, GA4 re-reads the tables that changed, a browser
is erased from the raw table, and dbt builds incrementally. The sessions must then be exactly GA4's sessions with
every event counted, less the erased browser's, and the same as a full rebuild.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pytest

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.settings import Settings
from brightcart_pipeline.simulator.people import person
from brightcart_pipeline.simulator.server import SimulatorServer
from brightcart_pipeline.simulator.truth_web import GA4_TZ, ga4_date, ga4_event_counts, ga4_sessions
from brightcart_pipeline.simulator.vendors.ga4_index import PAGE_US
from brightcart_pipeline.simulator.world import US_PER_SECOND, World, WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.warehouse import connect
from tests.conftest import dbt_build, settings_for
from tests.support.warehouse import query

pytestmark = pytest.mark.integration

WORLD = WorldConfig(seed=5, start=dt.date(2026, 10, 1), days=2, scale=0.0001)
# The two incremental models alone: everything downstream is rebuilt whole from them on every run, and the data
# tests run in the full build of the shared world.
SESSIONS = ("stg_ga4__events", "int_web__sessions", "--exclude-resource-type", "test", "unit_test")
SESSION_ROWS = "select * exclude (last_load_id) from intermediate.int_web__sessions order by session_key"


def session_events(settings) -> dict[tuple[str, int], int]:
    rows = query(settings, "select user_pseudo_id, ga_session_id, events from intermediate.int_web__sessions")
    return {(browser, session): events for browser, session, events in rows}


def half_arrived(world: World) -> tuple[dt.datetime, tuple[str, int]]:
    """A clock halfway through the arrival of a late session's page views, in a table already exported by then
    (the first day's), and that session's key: its first pages are in GA4 at that clock, its last are not."""
    first_day = world.config.dates[0]
    day = world.day(first_day)
    s = day.sessions
    assert s is not None
    for row in np.flatnonzero(s.ga4_tracked & (s.pageviews >= 3)):
        start, delay = int(s.start_ts[row]), int(s.arrival_delay[row])
        middle = start + delay + int(s.pageviews[row]) * PAGE_US // 2
        exported = dt.datetime.combine(first_day + dt.timedelta(days=1), dt.time(), tzinfo=GA4_TZ)
        if ga4_date(int(s.end_ts[row])) == f"{first_day:%Y%m%d}" and middle > exported.timestamp() * US_PER_SECOND:
            client = person(int(s.person_id[row])).client_id(int(s.device[row]))
            return dt.datetime.fromtimestamp(middle / US_PER_SECOND, dt.UTC), (client, start // US_PER_SECOND)
    raise AssertionError("the world has no late session arriving after its table was exported")


@dataclass(frozen=True)
class Built:
    settings: Settings
    world: World
    as_of_us: int
    first_events: dict[tuple[str, int], int]  # events per session after the first (full) build
    arriving: tuple[str, int]  # the session half arrived at the first build
    erased: str  # the browser erased from the raw table before the incremental build
    erased_events: int


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """A full build at the first clock; then, once every event arrived and a browser was erased from the raw
    table (as a deletion request does), an incremental one."""
    with SimulatorServer(WORLD) as server:
        world = server.world
        settings = settings_for(tmp_path_factory.mktemp("incremental"), server)
        first_clock, arriving = half_arrived(world)
        server.context.set_clock(first_clock)
        window = ExtractWindow(world.config.first_utc_day, world.config.end)
        run_ingest(settings, "ga4", window)
        dbt_build(settings, "--select", *SESSIONS)
        first = session_events(settings)
        server.context.set_clock(dt.datetime.combine(world.config.end + dt.timedelta(days=4), dt.time(6),
                                                     tzinfo=dt.UTC))
        run_ingest(settings, "ga4", window)
        # The browser with the most sessions already built, other than the arriving session's.
        erased = max((browser for browser, _ in first if browser != arriving[0]),
                     key=lambda b: (sum(1 for browser, _ in first if browser == b), b))
        with connect(settings) as con:
            (erased_events,) = con.execute("select count(*) from raw_ga4.events where user_pseudo_id = ?",
                                           [erased]).fetchone()
            con.execute("delete from raw_ga4.events where user_pseudo_id = ?", [erased])
        dbt_build(settings, "--select", *SESSIONS)
        return Built(settings, world, server.context.as_of_us, first, arriving, erased, erased_events)


def test_incremental_sessions_are_ga4s_sessions_with_every_late_event_and_no_erased_browser(built):
    settings, world = built.settings, built.world
    keys = query(settings, "select user_pseudo_id, ga_session_id from intermediate.int_web__sessions")
    truth = ga4_sessions(world, built.as_of_us)
    assert any(browser == built.erased for browser, _ in truth)
    assert set(keys) == {s for s in truth if s[0] != built.erased} and len(keys) == len(set(keys))
    exported = {f"{d:%Y%m%d}" for d in [world.config.first_utc_day, *world.config.dates]}
    true_events = sum(n for (date, _), n in ga4_event_counts(world, built.as_of_us).items() if date in exported)
    kept_events = true_events - built.erased_events
    assert query(settings, "select sum(events) from intermediate.int_web__sessions") == [(kept_events,)]
    assert query(settings, "select count(*) from staging.stg_ga4__events") == [(kept_events,)]
    assert query(settings, f"select count(*) from staging.stg_ga4__events where user_pseudo_id = '{built.erased}'"
                 ) == [(0,)]
    # The session half in at the first build was re-derived with its late page views.
    assert 0 < built.first_events[built.arriving] < session_events(settings)[built.arriving]


def test_incremental_build_equals_a_full_rebuild(built):
    incremental = query(built.settings, SESSION_ROWS)
    dbt_build(built.settings, "--full-refresh", "--select", *SESSIONS)
    assert query(built.settings, SESSION_ROWS) == incremental
