"""The one HTTP layer every vendor source uses: session, auth, pacing, throttle signals, retries.

Each vendor contributes only what differs: how it authenticates and how it says "slow down"
(a `ThrottleDialect`). Pacing, exponential backoff with full jitter, and the final error that names
the source, endpoint and last response are written once, here.
"""

from __future__ import annotations

import math
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import requests

from brightcart_pipeline.settings import Settings, Source

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_BACKOFF_SECONDS = 60.0
IN_FLIGHT_POLL_SECONDS = 0.05
# Pages requested ahead of the one being landed: one keeps the vendor and the pipeline busy at once, and holds
# at most two pages in memory besides it.
READ_AHEAD_PAGES = 1
READ_AHEAD_POLL_SECONDS = 0.1

Cursor = TypeVar("Cursor")
Body = TypeVar("Body")
T = TypeVar("T")

# A dialect reads a response and returns seconds to wait when it is a throttle signal, else None.
ThrottleDialect = Callable[[requests.Response], float | None]


class ExtractError(RuntimeError):
    """An API call failed for good; the message names source, endpoint and last response."""

    def __init__(self, source: str, endpoint: str, attempts: int, last: str) -> None:
        self.source, self.endpoint, self.attempts, self.last = source, endpoint, attempts, last
        super().__init__(f"{source}: {endpoint} failed after {attempts} attempt(s); last response: {last}")


def retry_after_seconds(response: requests.Response) -> float | None:
    """`Retry-After` as seconds; Shopify sends fractional values such as "2.0"."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def standard_dialect(response: requests.Response) -> float | None:
    """HTTP 429, with Retry-After when the vendor gives it."""
    if response.status_code == 429:
        return retry_after_seconds(response) or 1.0
    return None


def bearer(token: str) -> dict[str, str]:
    """The OAuth 2 header Google and HubSpot take."""
    return {"Authorization": f"Bearer {token}"}


def follow_cursor(fetch: Callable[[Cursor | None], Body], next_cursor: Callable[[Body], Cursor | None]
                  ) -> Iterator[Body]:
    """Every page of a cursor-paged endpoint: `fetch(None)`, then `fetch(cursor)` while the last page names one.

    The vendor says what its cursor is (a page token, an `after`, a next-page URL, an offset) and how
    a request carries it; the loop is written once.
    """
    def pages() -> Iterator[Body]:
        cursor: Cursor | None = None
        while True:
            body = fetch(cursor)
            yield body
            cursor = next_cursor(body)
            if cursor is None or cursor == "":
                return

    return read_ahead(pages())


_END = object()


def read_ahead(pages: Iterator[T], depth: int = READ_AHEAD_PAGES) -> Iterator[T]:
    """`pages`, with the next `depth` pages requested while the caller lands and decodes the current one.

    Without it a source alternates between waiting for the vendor (or its rate limit) and working, and its
    wall time is the sum of both; with it, the larger of the two. The pages are produced by one thread, in
    order, so a cursor still follows the page it came from; an error reaches the caller where it happened,
    after the pages before it. Closing the iterator stops the thread (at most `depth` pages were read ahead).
    """
    ready: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(item: tuple[Any, BaseException | None]) -> bool:
        while not stopped.is_set():
            try:
                ready.put(item, timeout=READ_AHEAD_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put((page, None)):
                    return
        except BaseException as error:  # handed to the caller, raised there
            put((_END, error))
            return
        put((_END, None))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            page, error = ready.get()
            if error is not None:
                raise error
            if page is _END:
                return
            yield page
    finally:
        stopped.set()
        # A page still in flight finishes on its own (its retries included); a failing run does not wait for it.
        thread.join(timeout=READ_AHEAD_POLL_SECONDS * 10)


class Pacer:
    """Spaces requests to at most `per_second`, shared by every thread using one client."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)

    def hold(self, seconds: float) -> None:
        """A vendor asked for a pause: no request from this client before it ends."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


@dataclass(frozen=True)
class RequestBudget:
    """A vendor's documented limit as the client keeps it: at most `requests` calls in any `seconds`, counting
    the calls whose path ends with `path_suffix` (every call when empty)."""

    requests: int
    seconds: float
    path_suffix: str = ""


class BudgetWindow:
    """Once the vendor has throttled, holds each call until the vendor's sliding window has room: every further
    throttle would cost its whole wait (Shopify's Retry-After of 2 s is four calls' worth of its budget).

    Calls go at the pacer's speed until the first throttle, so a vendor's burst allowance is used and a vendor
    with room to spare (the local simulator, most days) costs no waiting; the window keeps counting meanwhile,
    so it holds the vendor's recent calls when it starts enforcing. A slot is dated when its answer arrives,
    never before the vendor counted the call, so a call the vendor saw late cannot make the window look older
    than the vendor's. Slots still in flight count as taken.
    """

    def __init__(self, budget: RequestBudget) -> None:
        self.budget = budget
        self.enforcing = False
        self._answered_at: list[list[float]] = []  # one cell per slot, math.inf while in flight
        self._lock = threading.Lock()

    def take(self) -> list[float]:
        """Take a slot (waiting for one while enforcing); write the answer's time into the returned cell."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._answered_at = [cell for cell in self._answered_at if now - cell[0] < self.budget.seconds]
                if not self.enforcing or len(self._answered_at) < self.budget.requests:
                    cell = [math.inf]
                    self._answered_at.append(cell)
                    return cell
                # Every slot taken: wait for the oldest answer to leave the window (a slot in flight is polled).
                wait = min(cell[0] for cell in self._answered_at) + self.budget.seconds - now
            time.sleep(min(wait, IN_FLIGHT_POLL_SECONDS))


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    params: Mapping[str, Any]
    json: Any


@dataclass
class VendorClient:
    source: Source
    base_url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)  # auth sent as query parameters (Meta)
    dialect: ThrottleDialect = standard_dialect
    # Reads usage headers on a successful response and returns seconds to pause before the next call.
    pressure: Callable[[requests.Response], float] | None = None
    # The vendor's documented limits, kept on this side so a throttle is the exception, not the pacing.
    budgets: tuple[RequestBudget, ...] = ()
    requests_per_second: float = 20.0
    max_retries: int = 6
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    throttled_count: int = 0
    retried_count: int = 0
    request_count: int = 0
    # When set, every answered request is kept so a benchmark can send the same ones again (its HTTP ceiling).
    answered: list[SentRequest] | None = None

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "brightcart-pipeline/0.1", **self.headers})
        self.pacer = Pacer(self.requests_per_second)
        self.windows = [BudgetWindow(budget) for budget in self.budgets]
        self._counting = threading.Lock()  # pages may be read ahead on another thread (`read_ahead`)

    @classmethod
    def from_settings(cls, settings: Settings, source: Source, **kwargs: Any) -> VendorClient:
        return cls(
            source=source,
            base_url=settings.base_url(source),
            requests_per_second=settings.requests_per_second,
            max_retries=settings.max_retries,
            timeout=settings.http_timeout_seconds,
            **kwargs,
        )

    def url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else f"{self.base_url}{path_or_url}"

    def request(self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None) -> requests.Response:
        """Send with pacing; ride out throttles, 5xx and dropped connections; raise ExtractError at the end."""
        url = self.url(path_or_url)
        path = url.split("?", 1)[0].removeprefix(self.base_url)
        endpoint = f"{method} {path}"
        windows = [window for window in self.windows if path.endswith(window.budget.path_suffix)]
        query = {**self.params, **(params or {})}
        last = "no response"
        for attempt in range(self.max_retries + 1):
            slots = [window.take() for window in windows]
            self.pacer.wait()
            with self._counting:
                self.request_count += 1
            try:
                response = self.session.request(
                    method, url, params=query or None,
                    data=orjson.dumps(json) if json is not None else None,
                    headers={"Content-Type": "application/json"} if json is not None else None,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as error:
                response, last = None, f"{type(error).__name__}: {error}"
            for slot in slots:
                slot[0] = time.monotonic()
            if response is None:
                self._back_off(attempt, None)
                continue
            throttle_wait = self.dialect(response)
            if throttle_wait is not None:
                with self._counting:
                    self.throttled_count += 1
                for window in windows:
                    window.enforcing = True
                last = _describe(response)
                self.pacer.hold(throttle_wait)
                self._back_off(attempt, throttle_wait)
                continue
            if response.status_code in RETRYABLE_STATUSES:
                last = _describe(response)
                self._back_off(attempt, retry_after_seconds(response))
                continue
            if response.status_code >= 400:
                raise ExtractError(self.source, endpoint, attempt + 1, _describe(response))
            if self.pressure is not None:
                self.pacer.hold(self.pressure(response))
            if self.answered is not None:
                self.answered.append(SentRequest(method, url, query, json))
            return response
        raise ExtractError(self.source, endpoint, self.max_retries + 1, last)

    def get_json(self, path_or_url: str, params: Mapping[str, Any] | None = None) -> Any:
        return orjson.loads(self.request("GET", path_or_url, params=params).content)

    def post_json(self, path_or_url: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        return orjson.loads(self.request("POST", path_or_url, params=params, json=body).content)

    def _back_off(self, attempt: int, floor_seconds: float | None) -> None:
        if attempt >= self.max_retries:
            return
        with self._counting:
            self.retried_count += 1
        # Full jitter keeps many workers from retrying in lock-step; the vendor's own wait is a floor.
        delay = random.uniform(0, min(MAX_BACKOFF_SECONDS, 0.25 * 2**attempt))
        self.sleep(max(delay, floor_seconds or 0.0))


def _describe(response: requests.Response) -> str:
    body = response.text[:300].replace("\n", " ")
    return f"HTTP {response.status_code} {body}"
