"""`brightcart bench --increment`: the world and clocks it measures, and how it reports the hour (no run here:
the benchmark itself is timed by `make bench`, never in tests)."""

from __future__ import annotations

import datetime as dt

from brightcart_pipeline.bench import BenchReport
from brightcart_pipeline.bench_increment import INCREMENT, build_clock, increment_markdown, increment_world
from brightcart_pipeline.simulator.truth_web import GA4_TZ, ga4_date
from brightcart_pipeline.simulator.world import US_PER_SECOND


def test_the_increment_is_a_daytime_hour_of_the_day_in_progress_after_the_measured_days():
    config = increment_world(dt.date(2026, 10, 1), seed=7, days=2, scale=0.001)
    assert config.days == 3 and config.first_utc_day == dt.date(2026, 10, 1)
    start = build_clock(config)
    end = start + INCREMENT
    in_progress = config.dates[-1]
    # Both clocks fall on the last world day, in the shop's daytime, so the hour holds new activity.
    for clock in (start, end):
        assert clock.astimezone(GA4_TZ).date() == in_progress and 8 <= clock.astimezone(GA4_TZ).hour < 20
        assert ga4_date(int(clock.timestamp()) * US_PER_SECOND) == f"{in_progress:%Y%m%d}"
    assert end - start == dt.timedelta(hours=1)


def test_the_report_states_the_increment_against_its_goals():
    summary = {"build_clock": "2026-10-03T16:00:00+00:00", "increment_hours": 1.0,
               "records_by_source": {"ga4": 1200, "shopify": 3}, "simulator_cpu_seconds": 2.0,
               "end_to_end_seconds": 30.0, "goal_end_to_end_seconds": 120.0, "dbt_incremental_seconds": 12.0,
               "dbt_full_refresh_seconds": 48.0, "dbt_incremental_share": 0.25, "goal_dbt_share": 0.1}
    lines = increment_markdown(summary)
    assert "| incremental dbt / full rebuild | 25.0% | ≤ 10% |" in lines
    assert any("ga4 1,200, shopify 3" in line for line in lines)
    report = BenchReport(scale=0.001, days=1, machine={"cpus": 2, "python": "3.11", "system": "x"},
                         extra_json={"increment": summary}, extra_markdown=lines)
    assert report.to_json()["increment"] == summary
    assert report.to_markdown().rstrip().endswith(lines[-1])
