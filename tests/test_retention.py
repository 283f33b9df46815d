"""Lake retention removes partitions older than the window, in every zone, and nothing younger."""

from __future__ import annotations

import datetime as dt

from brightcart_pipeline.lake.landing import Landing, RecordContract, manifested_days, write_manifests
from brightcart_pipeline.lake.retention import apply_retention
from brightcart_pipeline.lake.store import LocalLake

CONTRACT = RecordContract(required=("id",))


def test_partitions_older_than_the_window_are_removed_everywhere(tmp_path):
    lake = LocalLake(tmp_path)
    today = dt.date(2026, 11, 29)
    days = [today - dt.timedelta(days=n) for n in (0, 179, 180, 181, 400)]
    for day in days:
        landing = Landing(lake, "shopify")
        landing.land("orders", day, [{"id": 1}, {"no_id": True}], CONTRACT)  # one raw file, one dead letter
        write_manifests(landing, [day])

    result = apply_retention(lake, today, retention_days=180)

    assert result.cutoff == dt.date(2026, 6, 2)
    kept_days = {dt.date.fromisoformat(k.split("/dt=")[1][:10]) for k in lake.list("")}
    assert kept_days == {today, today - dt.timedelta(days=179), today - dt.timedelta(days=180)}
    assert len(result.deleted) == 2 * 3  # raw, dead letter and manifest for each of the two old days
    assert manifested_days(lake, "shopify") == kept_days
