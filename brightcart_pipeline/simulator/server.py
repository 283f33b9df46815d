"""The simulator's HTTP server: one loopback server, every vendor's routes, faults and rate limits.

Vendor modules in `simulator/vendors/` describe their routes, auth check and error dialect; this
module owns what is common: routing, the simulated clock, fault injection, documented rate limits
and request statistics. Control endpoints live under `/_simulator/`.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import orjson

from brightcart_pipeline.simulator.faults import Fault, FaultInjector, FaultPlan
from brightcart_pipeline.simulator.world import US_PER_SECOND, World, WorldConfig

VENDOR_MODULES = ("shopify", "google_ads", "meta_ads", "ga4", "hubspot", "hubspot_lists", "meta_audiences")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else {}


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, orjson.dumps(payload), {"Content-Type": "application/json", **(headers or {})})


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler

    @classmethod
    def of(cls, method: str, pattern: str, handler: Handler) -> Route:
        return cls(method, re.compile(f"^{pattern}$"), handler)


@dataclass(frozen=True)
class RateLimit:
    """A vendor's documented request budget: `requests` per `seconds`."""

    requests: int
    seconds: float


class Vendor(Protocol):
    NAME: str
    RATE_LIMIT: RateLimit

    def routes(self) -> list[Route]: ...

    def unauthorized(self, request: Request) -> Response | None: ...

    def throttled(self, request: Request) -> Response: ...

    def server_error(self, request: Request, status: int) -> Response: ...


class SlidingWindow:
    """Counts requests in the last `seconds` to impose a vendor's documented rate limit."""

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._times: list[float] = []
        self._lock = threading.Lock()

    def allow(self) -> bool:
        now = time.monotonic()
        with self._lock:
            self._times = [t for t in self._times if now - t < self.limit.seconds]
            if len(self._times) >= self.limit.requests:
                return False
            self._times.append(now)
            return True


class SimulatorContext:
    """What every vendor handler sees: the world, the clock, the faults."""

    def __init__(self, world: World, faults: FaultInjector, rate_limits: bool = False) -> None:
        self.world = world
        self.faults = faults
        self.rate_limits_enabled = rate_limits
        self._as_of_us = default_clock_us(world.config)
        self.requests: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._windows: dict[str, SlidingWindow] = {}

    @property
    def as_of_us(self) -> int:
        return self._as_of_us

    @property
    def clock_day(self) -> dt.date:
        return dt.datetime.fromtimestamp(self._as_of_us / US_PER_SECOND, dt.UTC).date()

    def set_clock(self, as_of: dt.datetime) -> None:
        if as_of.tzinfo is None:
            raise ValueError("the simulator clock needs a timezone-aware time")
        self._as_of_us = int(as_of.timestamp() * US_PER_SECOND)

    def count(self, vendor: str, endpoint: str) -> None:
        with self._lock:
            self.requests[(vendor, endpoint)] += 1

    def within_rate_limit(self, vendor: Vendor) -> bool:
        if not self.rate_limits_enabled:
            return True
        window = self._windows.setdefault(vendor.NAME, SlidingWindow(vendor.RATE_LIMIT))
        return window.allow()


def default_clock_us(config: WorldConfig) -> int:
    """06:00 UTC on the day after the last simulated day: when the daily build would run."""
    end = dt.datetime.combine(config.end, dt.time(6), tzinfo=dt.UTC)
    return int(end.timestamp()) * US_PER_SECOND


def load_vendors(context: SimulatorContext) -> list[tuple[Vendor, Route]]:
    routes: list[tuple[Vendor, Route]] = []
    for name in VENDOR_MODULES:
        module = importlib.import_module(f"brightcart_pipeline.simulator.vendors.{name}")
        vendor: Vendor = module.build(context)
        routes.extend((vendor, route) for route in vendor.routes())
    return routes


class SimulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], context: SimulatorContext) -> None:
        self.context = context
        self.vendor_routes = load_vendors(context)
        super().__init__(address, _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    server: SimulatorHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request statistics are at /_simulator/stats."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            base_url=f"http://{self.headers.get('Host', '{}:{}'.format(*self.server.server_address[:2]))}",
        )
        try:
            response = self._respond(request)
        except _DropConnection:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        except Exception as error:  # a simulator bug must be visible, not a hung client
            response = Response.json({"simulator_error": repr(error)}, status=500)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _respond(self, request: Request) -> Response:
        context = self.server.context
        if request.path.startswith("/_simulator/"):
            return _control(context, request)
        for vendor, route in self.server.vendor_routes:
            match = route.pattern.match(request.path)
            if not match or route.method != request.method:
                continue
            context.count(vendor.NAME, route.pattern.pattern)
            denied = vendor.unauthorized(request)
            if denied is not None:
                return denied
            if not context.within_rate_limit(vendor):
                return vendor.throttled(request)
            fault = context.faults.request_fault(vendor.NAME, request.path, context.clock_day)
            if fault is not None:
                early = _apply_request_fault(vendor, request, fault)
                if early is not None:
                    return early
            return route.handler(request, **match.groupdict())
        return Response.json({"error": f"no simulated endpoint {request.method} {request.path}"}, 404)


class _DropConnection(Exception):
    pass


def _apply_request_fault(vendor: Vendor, request: Request, fault: Fault) -> Response | None:
    if fault.kind == "throttle":
        return vendor.throttled(request)
    if fault.kind == "server_error":
        return vendor.server_error(request, fault.status)
    if fault.kind == "drop_connection":
        raise _DropConnection
    time.sleep(fault.delay_seconds)  # slow: answer normally, late
    return None


def _control(context: SimulatorContext, request: Request) -> Response:
    if request.path == "/_simulator/health":
        return Response.json({"status": "ok"})
    if request.path == "/_simulator/clock":
        if request.method in ("POST", "PUT"):
            context.set_clock(dt.datetime.fromisoformat(request.json()["as_of"]))
        as_of = dt.datetime.fromtimestamp(context.as_of_us / US_PER_SECOND, dt.UTC)
        return Response.json({"as_of": as_of.isoformat()})
    if request.path == "/_simulator/faults" and request.method in ("POST", "PUT"):
        context.faults.replace(FaultPlan.model_validate(request.json()))
        return Response.json({"faults": len(context.faults.plan.faults)})
    if request.path == "/_simulator/stats":
        return Response.json({
            "requests": [{"vendor": v, "endpoint": e, "count": n} for (v, e), n in context.requests.items()],
            "faults_fired": [{"vendor": v, "kind": k, "on": d, "count": n}
                             for (v, k, d), n in context.faults.fired.items()],
        })
    return Response.json({"error": f"unknown control endpoint {request.path}"}, 404)


class SimulatorServer:
    """A running simulator on 127.0.0.1; use as a context manager or call `start`/`stop`."""

    def __init__(self, config: WorldConfig, fault_plan: FaultPlan | None = None, port: int = 0,
                 rate_limits: bool = False) -> None:
        self.context = SimulatorContext(World(config), FaultInjector(fault_plan), rate_limits)
        self.httpd = SimulatorHTTPServer(("127.0.0.1", port), self.context)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def world(self) -> World:
        return self.context.world

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

