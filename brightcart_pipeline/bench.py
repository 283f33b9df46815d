"""`brightcart bench`: extract → land → load → dbt over a simulated world, measured per stage and source.

The simulator runs in its own process so its CPU is reported apart from the pipeline's. Next to each
stage the same run measures a ceiling on the same data: the API pages fetched again with plain HTTP and
orjson (the extract ceiling) and DuckDB's `read_ndjson` over the landed files (the load ceiling), so the
results read as ratios that survive a faster or slower machine.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson

from brightcart_pipeline.ingest import run_ingest
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import SOURCES, Settings, load_settings
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow


@dataclass
class StageMeasure:
    stage: str
    source: str
    records: int
    seconds: float
    cpu_seconds: float
    peak_rss_mib: float

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


@dataclass
class BenchReport:
    scale: float
    days: int
    machine: dict[str, Any]
    stages: list[StageMeasure] = field(default_factory=list)
    ceilings: list[StageMeasure] = field(default_factory=list)
    simulator_cpu_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "scale": self.scale, "days": self.days, "machine": self.machine,
            "simulator_cpu_seconds": round(self.simulator_cpu_seconds, 2),
            "stages": [asdict(s) | {"records_per_second": round(s.records_per_second)} for s in self.stages],
            "ceilings": [asdict(s) | {"records_per_second": round(s.records_per_second)} for s in self.ceilings],
        }

    def to_markdown(self) -> str:
        lines = [
            f"# Benchmark: scale {self.scale}, {self.days} day(s)", "",
            f"Machine: {self.machine['cpus']} CPUs, Python {self.machine['python']}, {self.machine['system']}. "
            f"Simulator CPU (its own process, not counted below): {self.simulator_cpu_seconds:.1f} s.", "",
            "| stage | source | records | seconds | records/s | CPU s | peak RSS MiB |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for s in [*self.stages, *self.ceilings]:
            lines.append(f"| {s.stage} | {s.source} | {s.records:,} | {s.seconds:.2f} | {s.records_per_second:,.0f} "
                         f"| {s.cpu_seconds:.2f} | {s.peak_rss_mib:.0f} |")
        ratios = self.ratios()
        if ratios:
            lines += ["", "| ratio | value |", "|---|---:|"]
            lines += [f"| {name} | {value:.1%} |" for name, value in ratios.items()]
        return "\n".join(lines) + "\n"

    def ratios(self) -> dict[str, float]:
        def total(rows: list[StageMeasure], stage: str) -> float:
            chosen = [r for r in rows if r.stage == stage]
            seconds = sum(r.seconds for r in chosen)
            return sum(r.records for r in chosen) / seconds if seconds else 0.0

        found = {}
        extract, http = total(self.stages, "extract+land+load"), total(self.ceilings, "http+orjson ceiling")
        load, read = total(self.stages, "replay load"), total(self.ceilings, "duckdb read_ndjson ceiling")
        if extract and http:
            found["extract+land+load vs HTTP+parse ceiling"] = extract / http
        if load and read:
            found["replay load vs DuckDB read ceiling"] = load / read
        return found


def _peak_rss_mib() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return max(own.ru_maxrss, children.ru_maxrss) / 1024  # ru_maxrss is KiB on Linux


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(stage: str, source: str, work: Callable[[], int]) -> StageMeasure:
    start, cpu = time.perf_counter(), _cpu_seconds()
    records = work()
    return StageMeasure(stage, source, records, time.perf_counter() - start, _cpu_seconds() - cpu, _peak_rss_mib())


@dataclass(frozen=True)
class SimulatorProcess:
    """The simulator's own process, read from /proc so its cost is reported apart from the pipeline's."""

    pid: int

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0


@contextmanager
def simulator_process(config: WorldConfig, port: int, home: Path) -> Iterator[SimulatorProcess]:
    """`brightcart simulate` in its own process, serving `config`'s world on `port`."""
    env = {**os.environ, "BRIGHTCART_HOME": str(home), "BRIGHTCART_SIMULATOR_SEED": str(config.seed),
           "BRIGHTCART_START_DATE": config.first_utc_day.isoformat(), "BRIGHTCART_SIMULATOR_DAYS": str(config.days),
           "BRIGHTCART_SIMULATOR_SCALE": str(config.scale)}
    process = subprocess.Popen([sys.executable, "-m", "brightcart_pipeline.cli", "simulate", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"http://127.0.0.1:{port}/_simulator/health", process)
        yield SimulatorProcess(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the simulator exited before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def http_ceiling(settings: Settings, source: str) -> int:
    """Re-read every landed page's records through plain HTTP + orjson: the Shopify orders list stands in for
    the cost of fetching and parsing pages of the same size (other vendors page the same way)."""
    import requests

    from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS

    if source != "shopify":
        return 0
    url = f"{settings.api_base_url}/admin/api/2024-10/orders.json"
    session, records = requests.Session(), 0
    session.headers["X-Shopify-Access-Token"] = DEV_CREDENTIALS["shopify_access_token"]
    response = session.get(url, params={"status": "any", "limit": 250})
    while True:
        records += len(orjson.loads(response.content)["orders"])
        if "next" not in response.links:
            return records
        response = session.get(response.links["next"]["url"])


def read_ceiling(settings: Settings, source: str, scratch: Path) -> int:
    """DuckDB `read_ndjson` over the same records the lake holds (decrypted to a scratch folder first)."""
    lake = open_lake(settings)
    keys = [k for k in lake.list(f"raw/{source}/")]
    if not keys:
        return 0
    folder = scratch / source
    folder.mkdir(parents=True, exist_ok=True)
    for n, key in enumerate(keys):
        (folder / f"{n}.jsonl.gz").write_bytes(gzip.compress(gzip.decompress(lake.read(key)), compresslevel=1))
    with duckdb.connect() as con:
        return con.sql(f"select count(*) from read_ndjson('{folder}/*.jsonl.gz', ignore_errors=true)").fetchone()[0]


def run_bench(scale: float, days: int, out_dir: Path, seed: int = 7, port: int = 8799) -> BenchReport:
    config = WorldConfig.extracted_from(dt.date(2026, 10, 1), seed=seed, days=days, scale=scale)
    report = BenchReport(scale=scale, days=days, machine={
        "cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()})
    with tempfile.TemporaryDirectory(prefix="brightcart-bench-") as tmp:
        home = Path(tmp)
        with simulator_process(config, port, home) as simulator:
            settings = load_settings(home=home, api_base_url=f"http://127.0.0.1:{port}",
                                     start_date=config.first_utc_day, simulator_days=days)
            window = ExtractWindow(config.first_utc_day, config.end)
            for source in SOURCES:
                result: dict[str, Any] = {}

                def extract(source: str = source, result: dict[str, Any] = result) -> int:
                    result["ingest"] = run_ingest(settings, source, window)  # type: ignore[arg-type]
                    return sum(result["ingest"].landed.values())

                report.stages.append(measure("extract+land+load", source, extract))
                report.ceilings.append(measure("http+orjson ceiling", source,
                                               lambda s=source: http_ceiling(settings, s)))
                report.ceilings.append(measure("duckdb read_ndjson ceiling", source,
                                               lambda s=source: read_ceiling(settings, s, home / "ceiling")))
            report.simulator_cpu_seconds = simulator.cpu_seconds()
        from brightcart_pipeline.ingest import run_replay

        for source in SOURCES:
            report.stages.append(measure("replay load", source, lambda s=source: run_replay(
                settings, s, config.first_utc_day, config.end + dt.timedelta(days=2)).loaded_total))
        report.stages.append(measure("dbt build", "all", lambda: _dbt_build(settings)))
    report.ceilings = [c for c in report.ceilings if c.records]
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"bench-scale{scale}-days{days}"
    (out_dir / f"{name}.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    (out_dir / f"{name}.md").write_text(report.to_markdown())
    return report


def _dbt_build(settings: Settings) -> int:
    from brightcart_pipeline.assets.transform import run_dbt_build

    run_dbt_build(settings)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return sum(n for (n,) in con.sql("select estimated_size from duckdb_tables() "
                                         "where schema_name in ('core', 'marketing', 'finance')").fetchall())

