"""One world behind five APIs: the click ids an order landed with are the same ones GA4 saw on the visit and
the ad platform recorded for the click, read back through the APIs into the raw tables."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.simulator.truth_ads import true_click_ids
from brightcart_pipeline.simulator.world import CHANNELS
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.warehouse import connect
from tests.conftest import settings_for

pytestmark = pytest.mark.integration


def click_ids(url: str | None) -> dict[str, str]:
    query = parse_qs(urlsplit(url or "").query)
    return {k: v[0] for k, v in query.items() if k in ("gclid", "fbclid")}


def test_every_orders_click_id_is_in_ga4_and_in_the_ad_platforms_clicks(simulator, tmp_path):
    world = simulator.world
    settings = settings_for(tmp_path, simulator)
    window = ExtractWindow(world.config.first_utc_day, world.config.end)
    for source in ("shopify", "ga4", "google_ads"):
        run_ingest(settings, source, window)

    with connect(settings, read_only=True) as con:
        orders = con.sql("select id, landing_site from raw_shopify.orders").fetchall()
        ga4_urls = [u for (u,) in con.sql(
            "select distinct json_extract_string(p.value, '$.value.string_value') from raw_ga4.events, "
            "unnest(cast(event_params as json[])) as p(value) "
            "where json_extract_string(p.value, '$.key') = 'page_location'").fetchall()]
        google_clicks = {g for (g,) in con.sql("select click_view__gclid from raw_google_ads.click_views").fetchall()}
    ga4_click_ids = {v for url in ga4_urls for v in click_ids(url).values()}
    meta_clicks = set().union(*true_click_ids(world, "meta_ads").values())  # Meta exposes no fbclids

    # Whether GA4 has the visit by now: visitors may decline analytics cookies, and some events arrive late.
    tracked = {}
    for day in world.days():
        sessions = day.sessions
        for row, order_id in enumerate(day.orders.order_id):
            s = int(day.orders.session_row[row])
            tracked[int(order_id)] = s >= 0 and bool(sessions.ga4_tracked[s]) \
                and CHANNELS[int(sessions.channel[s])] in ("google_paid", "meta_paid") \
                and int(sessions.start_ts[s] + sessions.arrival_delay[s]) <= simulator.context.as_of_us

    paid = [(order_id, click_ids(landing)) for order_id, landing in orders if click_ids(landing)]
    assert len(paid) > 10
    for order_id, ids in paid:
        if "gclid" in ids:
            assert ids["gclid"] in google_clicks, f"order {order_id}: gclid unknown to Google Ads"
        if "fbclid" in ids:
            assert ids["fbclid"] in meta_clicks, f"order {order_id}: fbclid unknown to Meta"
        if tracked[order_id]:
            assert set(ids.values()) <= ga4_click_ids, f"order {order_id}: click id never seen by GA4"
    assert (any(tracked[o] for o, _ in paid) and not all(tracked[o] for o, _ in paid)) or len(paid) < 20
