"""How fast the simulator generates and serves one day at a scale (`python -m brightcart_pipeline.bench_simulator`).

The simulator runs in its own process (as in `brightcart bench`); a client pages through one day of GA4
export events (nine in ten of BrightCart's records) and of Shopify orders for at most a time budget, and the
report gives records served per wall second and per second of the simulator's own CPU, plus the time to
the first page (the day's world being generated) and the simulator's peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from brightcart_pipeline.bench import simulator_process
from brightcart_pipeline.settings import Settings, load_settings
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources import ga4, shopify
from brightcart_pipeline.sources.http import ExtractError, follow_cursor


@dataclass
class ServeMeasure:
    scale: float
    resource: str
    records: int
    complete: bool  # the whole day was read within the budget
    first_page_seconds: float
    seconds: float
    simulator_cpu_seconds: float
    simulator_peak_rss_mib: float
    error: str | None = None  # the client gave up (timeouts on every retry)

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def per_simulator_cpu_second(self) -> float:
        return self.records / self.simulator_cpu_seconds if self.simulator_cpu_seconds else 0.0


def _ga4_pages(settings: Settings, day: dt.date) -> Iterator[int]:
    client = ga4.build_client(settings)
    table = f"{ga4.dataset_url(settings)}/tables/events_{day:%Y%m%d}"
    client.get_json(table)
    bodies = follow_cursor(
        lambda token: client.get_json(f"{table}/data", {"maxResults": ga4.PAGE_SIZE, **({"pageToken": token} if token
                                                                                           else {})}),
        lambda body: body.get("pageToken"))
    for body in bodies:
        yield len(body.get("rows", []))


def _shopify_pages(settings: Settings, day: dt.date) -> Iterator[int]:
    client = shopify.build_client(settings)
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    params = {"limit": shopify.PAGE_SIZE, "status": "any", "updated_at_min": start.isoformat(),
              "updated_at_max": (start + dt.timedelta(days=1)).isoformat()}
    for page in shopify.paginate(client, f"/admin/api/{shopify.API_VERSION}/orders.json", params, "orders"):
        yield len(page)


def measure_serving(scale: float, budget_seconds: float, port: int = 8798,
                    on_measure: Callable[[ServeMeasure], None] = lambda _: None) -> list[ServeMeasure]:
    config = WorldConfig.extracted_from(dt.date(2026, 10, 1), seed=7, days=1, scale=scale)
    day = config.start
    resources: dict[str, Callable[[Settings, dt.date], Iterator[int]]] = {
        "ga4 events": _ga4_pages, "shopify orders": _shopify_pages}
    found = []
    with tempfile.TemporaryDirectory(prefix="brightcart-simbench-") as tmp, \
            simulator_process(config, port, Path(tmp)) as simulator:
        settings = load_settings(home=Path(tmp), api_base_url=f"http://127.0.0.1:{port}",
                                 start_date=config.first_utc_day, simulator_days=config.days)
        for name, pages in resources.items():
            start, cpu_before = time.perf_counter(), simulator.cpu_seconds()
            records, first_page, complete, error = 0, 0.0, True, None
            try:
                for n, size in enumerate(pages(settings, day)):
                    records += size
                    if n == 0:
                        first_page = time.perf_counter() - start
                    if time.perf_counter() - start > budget_seconds:
                        complete = False
                        break
            except ExtractError as failed:  # a resource the simulator cannot serve at this scale is a result too
                complete, error = False, str(failed)
            found.append(ServeMeasure(scale, name, records, complete, first_page, time.perf_counter() - start,
                                      simulator.cpu_seconds() - cpu_before, simulator.peak_rss_mib(), error))
            on_measure(found[-1])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, action="append", required=True)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds of reading per resource")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks/simulator-serving.json"))
    args = parser.parse_args()
    report: list[dict[str, object]] = []

    def write(measure: ServeMeasure) -> None:  # after every resource: a long run keeps what it measured
        report.append(asdict(measure) | {"records_per_second": round(measure.per_second),
                                         "records_per_simulator_cpu_second": round(measure.per_simulator_cpu_second)})
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps(report[-1], indent=2), flush=True)

    for scale in args.scale:
        measure_serving(scale, args.budget, on_measure=write)


if __name__ == "__main__":
    main()
