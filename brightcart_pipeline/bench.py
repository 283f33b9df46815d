"""`brightcart bench`: extract → land → load → dbt over a simulated world, measured per stage and source.

The simulator runs in its own process so its CPU is reported apart from the pipeline's. Next to each
stage the same run measures a ceiling on the same data: the API pages fetched again with plain HTTP and
orjson (the extract ceiling) and DuckDB's `read_ndjson` over the landed files (the load ceiling), so the
results read as ratios that survive a faster or slower machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import orjson

from brightcart_pipeline.ingest import ExtractJob, extract_job, run_extract_job, run_replay
from brightcart_pipeline.lake.landing import decode_records, encode_records
from brightcart_pipeline.lake.store import open_lake
from brightcart_pipeline.settings import SOURCES, Settings, Source, load_settings
from brightcart_pipeline.simulator.world import WorldConfig
from brightcart_pipeline.sources.base import ExtractWindow
from brightcart_pipeline.sources.columnar import paused_gc
from brightcart_pipeline.sources.http import VendorClient
from brightcart_pipeline.warehouse import connect

EXTRACT = "extract+land+load"
REPLAY = "replay load"
HTTP_CEILING = "http+orjson ceiling"
READ_CEILING = "duckdb read_ndjson ceiling"
# Each pipeline stage and the ceiling it is held against (issue #11: ≥ 50% of each).
GOALS = ((EXTRACT, HTTP_CEILING), (REPLAY, READ_CEILING))


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

    @property
    def records_per_cpu_second(self) -> float:
        return self.records / self.cpu_seconds if self.cpu_seconds else 0.0


@dataclass
class BenchReport:
    scale: float
    days: int
    machine: dict[str, Any]
    stages: list[StageMeasure] = field(default_factory=list)
    ceilings: list[StageMeasure] = field(default_factory=list)
    simulator_cpu_seconds: float = 0.0
    # Sections a bench mode adds (`--increment`): merged into the JSON, appended to the Markdown.
    extra_json: dict[str, Any] = field(default_factory=dict)
    extra_markdown: list[str] = field(default_factory=list)
    mode: str = ""  # names the report files apart from the plain bench's ("increment")

    def to_json(self) -> dict[str, Any]:
        def row(s: StageMeasure) -> dict[str, Any]:
            return asdict(s) | {"records_per_second": round(s.records_per_second),
                                "records_per_cpu_second": round(s.records_per_cpu_second)}

        return {
            "scale": self.scale, "days": self.days, "machine": self.machine,
            "simulator_cpu_seconds": round(self.simulator_cpu_seconds, 2),
            "stages": [row(s) for s in self.stages], "ceilings": [row(s) for s in self.ceilings],
            "ratios": [{"stage": stage, "ceiling": ceiling, "source": source, "wall": wall, "cpu": cpu}
                       for stage, ceiling, source, wall, cpu in self.ratios()],
        } | self.extra_json

    def to_markdown(self) -> str:
        load = self.machine.get("load_average", {})
        lines = [
            f"# Benchmark: scale {self.scale}, {self.days} day(s)", "",
            f"Machine: {self.machine['cpus']} CPUs, Python {self.machine['python']}, {self.machine['system']}; "
            f"1-minute load average {load.get('start', 0):.2f} at the start, {load.get('end', 0):.2f} at the end "
            "(the machine is shared). "
            f"Simulator CPU (its own process, not counted below): {self.simulator_cpu_seconds:.1f} s.", "",
            "| stage | source | records | seconds | records/s | CPU s | records/CPU-s | peak RSS MiB |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        for s in [*self.stages, *self.ceilings]:
            lines.append(f"| {s.stage} | {s.source} | {s.records:,} | {s.seconds:.2f} | {s.records_per_second:,.0f} "
                         f"| {s.cpu_seconds:.2f} | {s.records_per_cpu_second:,.0f} | {s.peak_rss_mib:.0f} |")
        ratios = self.ratios()
        if ratios:
            lines += ["", "Stage throughput as a share of its same-run ceiling on the same records (goal ≥ 50%). "
                      "Per CPU-second is the comparable one: wall time also holds the simulator's rendering "
                      "and the client's request pacing, which the ceiling does not wait for.", "",
                      "| stage | ceiling | source | by wall time | by CPU time |", "|---|---|---|---:|---:|"]
            lines += [f"| {stage} | {ceiling} | {source} | {wall:.1%} | {cpu:.1%} |"
                      for stage, ceiling, source, wall, cpu in ratios]
        return "\n".join([*lines, *self.extra_markdown]) + "\n"

    def ratios(self) -> list[tuple[str, str, str, float, float]]:
        """(stage, ceiling, source, ratio by wall time, ratio by CPU time) per source and for all sources."""
        found = []
        for stage, ceiling in GOALS:
            measured = {s.source: s for s in self.stages if s.stage == stage}
            pairs = {c.source: (measured[c.source], c) for c in self.ceilings
                     if c.stage == ceiling and c.source in measured}
            if pairs:
                pairs["all"] = (_sum(stage, [m for m, _ in pairs.values()]),
                                _sum(ceiling, [c for _, c in pairs.values()]))
            for source, (mine, best) in pairs.items():
                if mine.records and best.records and best.records_per_second and best.records_per_cpu_second:
                    found.append((stage, ceiling, source, mine.records_per_second / best.records_per_second,
                                  mine.records_per_cpu_second / best.records_per_cpu_second))
        return found


def _sum(stage: str, rows: list[StageMeasure]) -> StageMeasure:
    return StageMeasure(stage, "all", sum(r.records for r in rows), sum(r.seconds for r in rows),
                        sum(r.cpu_seconds for r in rows), max((r.peak_rss_mib for r in rows), default=0.0))


def _reset_peak_rss() -> None:
    """Each stage reports its own peak: Linux resets the high-water mark on request."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _cpu_seconds() -> float:
    """This process and its finished children: dbt builds run as a subprocess."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(stage: str, source: str, work: Callable[[], int]) -> StageMeasure:
    _reset_peak_rss()
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
def simulator_process(config: WorldConfig, port: int, home: Path, rate_limits: bool = False
                      ) -> Iterator[SimulatorProcess]:
    """`brightcart simulate` in its own process, serving `config`'s world on `port` (with the vendors'
    documented rate limits when `rate_limits`)."""
    env = {**os.environ, "BRIGHTCART_HOME": str(home), "BRIGHTCART_SIMULATOR_SEED": str(config.seed),
           "BRIGHTCART_START_DATE": config.first_utc_day.isoformat(), "BRIGHTCART_SIMULATOR_DAYS": str(config.days),
           "BRIGHTCART_SIMULATOR_SCALE": str(config.scale)}
    command = [sys.executable, "-m", "brightcart_pipeline.cli", "simulate", "--port", str(port)]
    process = subprocess.Popen([*command, "--rate-limits"] if rate_limits else command,
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


def http_ceiling(client: VendorClient, records: int) -> int:
    """Send the extract's own requests again with a plain session and parse each body with orjson: the same
    pages, with nothing done to them. Returns the records those pages held (as the extract counted them)."""
    import requests

    session = requests.Session()
    session.headers.update(client.session.headers)
    for sent in client.answered or []:
        response = session.request(sent.method, sent.url, params=sent.params or None,
                                   data=orjson.dumps(sent.json) if sent.json is not None else None,
                                   headers={"Content-Type": "application/json"} if sent.json is not None else None)
        with paused_gc():
            orjson.loads(response.content)
    return records


def landed_as_ndjson(settings: Settings, source: str, scratch: Path) -> Path | None:
    """The source's landed records, decoded from the lake (decrypted, wire pages read as records) into plain
    gzipped NDJSON in a scratch folder: what DuckDB's reader gets for the load ceiling. Not timed."""
    lake = open_lake(settings)
    keys = lake.list(f"raw/{source}/")
    if not keys:
        return None
    folder = scratch / source
    folder.mkdir(parents=True, exist_ok=True)
    for n, key in enumerate(keys):
        (folder / f"{n}.jsonl.gz").write_bytes(encode_records(decode_records(lake.read(key))))
    return folder


def read_ceiling(folder: Path) -> int:
    """DuckDB reading and storing the same records: `read_ndjson` into a table, every column materialised."""
    with duckdb.connect() as con:
        con.execute(f"create table landed as select * from read_ndjson('{folder}/*.jsonl.gz', ignore_errors=true, "
                    "union_by_name=true)")
        return con.execute("select count(*) from landed").fetchone()[0]


def warm_up(scratch: Path) -> None:
    """A one-row merge load through dlt into a scratch DuckDB, untimed. A pipeline run imports much of dlt lazily,
    and where bytecode is not cached (PYTHONDONTWRITEBYTECODE) compiles it too: seconds of CPU a process pays once,
    which would otherwise land on the first source's extract and which no ceiling pays."""
    import dlt
    import pyarrow as pa

    rows = dlt.resource([pa.table({"id": [1], "name": ["warm"]})], name="warm_up", primary_key="id",
                        write_disposition="merge")
    dlt.pipeline(pipeline_name="bench_warm_up", destination=dlt.destinations.duckdb(str(scratch / "scratch.duckdb")),
                 dataset_name="warm_up", pipelines_dir=str(scratch / "dlt")).run(rows, loader_file_format="parquet")


def run_bench(scale: float, days: int, out_dir: Path, seed: int = 7, port: int = 8799,
              sources: Sequence[Source] = SOURCES, increment: bool = False) -> BenchReport:
    """Every stage for `sources`; dbt is built only when all sources were loaded (its models read them all), and
    with `increment`, one hour more through every source and an incremental dbt build."""
    from brightcart_pipeline import bench_increment

    everything = set(SOURCES) <= set(sources)
    if increment and not everything:
        raise ValueError("the increment is measured through every source: leave out --sources")
    first_day = dt.date(2026, 10, 1)
    config = (bench_increment.increment_world(first_day, seed=seed, days=days, scale=scale) if increment
              else WorldConfig.extracted_from(first_day, seed=seed, days=days, scale=scale))
    report = BenchReport(scale=scale, days=days, mode="increment" if increment else "", machine={
        "cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform(),
        "load_average": {"start": os.getloadavg()[0]}})

    def keep(rows: list[StageMeasure], measured: StageMeasure) -> StageMeasure:
        # Written after every stage: a long run stopped part-way still leaves what it measured.
        rows.append(measured)
        write_report(report, out_dir)
        return measured

    with tempfile.TemporaryDirectory(prefix="brightcart-bench-") as tmp:
        home = Path(tmp)
        warm_up(home / "warm_up")
        with simulator_process(config, port, home) as simulator:
            settings = load_settings(home=home, api_base_url=f"http://127.0.0.1:{port}",
                                     start_date=config.first_utc_day, simulator_days=config.days)
            if increment:
                bench_increment.set_clock(f"http://127.0.0.1:{port}", bench_increment.build_clock(config))
            window = ExtractWindow(config.first_utc_day, config.end)
            for source in sources:
                job = extract_job(settings, source, window)
                job.client.answered = []

                def extract(job: ExtractJob = job) -> int:
                    return sum(run_extract_job(job).landed.values())

                extracted = keep(report.stages, measure(EXTRACT, source, extract))
                keep(report.ceilings, measure(HTTP_CEILING, source, lambda c=job.client, n=extracted.records:
                                              http_ceiling(c, n)))
                report.simulator_cpu_seconds = simulator.cpu_seconds()
        for source in sources:
            folder = landed_as_ndjson(settings, source, home / "ceiling")
            if folder is not None:
                keep(report.ceilings, measure(READ_CEILING, source, lambda f=folder: read_ceiling(f)))
        for source in sources:
            keep(report.stages, measure(REPLAY, source, lambda s=source: run_replay(
                settings, s, config.first_utc_day, config.end + dt.timedelta(days=2)).loaded_total))
        if everything:
            keep(report.stages, measure("dbt build", "all", lambda: _dbt_build(settings)))
        if increment:
            bench_increment.run_increment(report, settings, config, port, home, _dbt_build, keep)
            write_report(report, out_dir)  # with the increment's summary
    return report


def write_report(report: BenchReport, out_dir: Path) -> None:
    report.machine["load_average"]["end"] = os.getloadavg()[0]
    out_dir.mkdir(parents=True, exist_ok=True)
    name = report_stem(report.scale, report.days, report.mode)
    (out_dir / f"{name}.json").write_text(json.dumps(report.to_json(), indent=2) + "\n")
    (out_dir / f"{name}.md").write_text(report.to_markdown())


def report_stem(scale: float, days: int, mode: str = "") -> str:
    """The report's file name without its suffix: one JSON and one Markdown per scale, days and mode."""
    return f"bench-scale{scale}-days{days}" + (f"-{mode}" if mode else "")


def _dbt_build(settings: Settings, *args: str) -> int:
    from brightcart_pipeline.assets.transform import run_dbt_build

    run_dbt_build(settings, *args)
    with connect(settings, read_only=True) as con:
        return sum(n for (n,) in con.sql("select estimated_size from duckdb_tables() "
                                         "where schema_name in ('core', 'marketing', 'finance')").fetchall())

