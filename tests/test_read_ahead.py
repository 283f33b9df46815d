"""Pages read ahead of the caller: same pages, same order, errors where they happened, nothing left running."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from brightcart_pipeline.sources.http import follow_cursor, read_ahead


def numbered(count: int, fetched: list[int]) -> Iterator[int]:
    for page in range(count):
        fetched.append(page)
        yield page


def test_every_page_arrives_once_and_in_order():
    fetched: list[int] = []
    assert list(read_ahead(numbered(50, fetched))) == list(range(50))
    assert fetched == list(range(50))


def test_the_next_page_is_fetched_while_the_caller_works_on_this_one():
    fetched: list[int] = []
    pages = read_ahead(numbered(10, fetched), depth=1)
    assert next(pages) == 0
    deadline = time.monotonic() + 5
    while len(fetched) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    # Page 0 handed over, page 1 waiting in the queue, page 2 fetched and waiting for room: no further.
    time.sleep(0.2)
    assert fetched == [0, 1, 2]
    pages.close()


def test_an_error_reaches_the_caller_after_the_pages_before_it():
    def failing() -> Iterator[int]:
        yield 1
        yield 2
        raise RuntimeError("vendor said no")

    received = []
    with pytest.raises(RuntimeError, match="vendor said no"):
        for page in read_ahead(failing()):
            received.append(page)
    assert received == [1, 2]


def test_closing_early_stops_the_thread():
    fetched: list[int] = []
    before = threading.active_count()
    pages = read_ahead(numbered(1_000, fetched))
    assert next(pages) == 0
    pages.close()
    time.sleep(0.5)
    assert threading.active_count() == before
    assert len(fetched) <= 3


def test_follow_cursor_follows_each_page_to_the_next():
    bodies = {None: {"items": [1], "next": "b"}, "b": {"items": [2], "next": "c"}, "c": {"items": [3]}}
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> dict:
        asked.append(cursor)
        return bodies[cursor]

    pages = list(follow_cursor(fetch, lambda body: body.get("next")))
    assert [p["items"] for p in pages] == [[1], [2], [3]]
    assert asked == [None, "b", "c"]
