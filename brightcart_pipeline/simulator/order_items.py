"""Orders' line items (product, quantity), drawn in bulk with exactly the bits numpy's per-order calls use.

The world's orders were first generated one order at a time: `rng.choice(products, k, replace=False)`
then `rng.binomial(2, 0.2, k)` for every order. That costs ~30 µs of Python per order, a quarter of a
full-scale day's generation. Changing the draws would change every test world's orders, so this
module reads the same random words in one `random_raw` call and replays numpy's algorithms on whole
arrays: Floyd's sampling plus a Fisher-Yates shuffle over Lemire-bounded 32-bit draws (the choice),
and binomial inversion over 53-bit doubles. The rare draws where numpy would reject and redraw (about
one in 10^8) are detected, and then the order-by-order loop runs instead, so the result is always
numpy's own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import overload

import numpy as np

MAX_LINES = 3  # world: 1 + binomial(2, 0.35) lines per order
QUANTITY_P = 0.2  # quantity = 1 + binomial(2, QUANTITY_P)
_U32 = np.uint64(0xFFFFFFFF)


class OrderLines(Sequence[list[tuple[int, int]]]):
    """Per order its (product index, quantity) lines, kept as arrays and made into tuples only when read."""

    def __init__(self, products: np.ndarray, quantities: np.ndarray, counts: np.ndarray, starts: np.ndarray) -> None:
        self._products = products  # (orders, MAX_LINES), -1 past an order's lines
        self._quantities = quantities  # flat, order after order
        self._counts = counts
        self._starts = starts

    def __len__(self) -> int:
        return len(self._counts)

    @overload
    def __getitem__(self, i: int) -> list[tuple[int, int]]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[tuple[int, int]]]: ...

    def __getitem__(self, i: int | slice) -> list[tuple[int, int]] | list[list[tuple[int, int]]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n, start = int(self._counts[i]), int(self._starts[i])
        return list(zip(self._products[i, :n].tolist(), self._quantities[start:start + n].tolist(), strict=True))


def order_items(rng: np.random.Generator, line_counts: np.ndarray, n_products: int) -> Sequence[list[tuple[int, int]]]:
    """Per order, `line_counts[i]` distinct products and their quantities; `rng` ends as the loop leaves it."""
    if len(line_counts) == 0:
        return []
    if line_counts.min() < 1 or line_counts.max() > min(MAX_LINES, n_products - 1):
        return order_items_one_by_one(rng, line_counts, n_products)
    saved = rng.bit_generator.state
    drawn = _order_items_in_bulk(rng, line_counts.astype(np.int64), n_products)
    if drawn is None:  # a draw numpy would have rejected: replay order by order from the same state
        rng.bit_generator.state = saved
        return order_items_one_by_one(rng, line_counts, n_products)
    return drawn


def order_items_one_by_one(rng: np.random.Generator, line_counts: np.ndarray,
                           n_products: int) -> list[list[tuple[int, int]]]:
    """The reference: numpy's own calls, one order at a time."""
    return [
        [(int(p), int(q)) for p, q in zip(
            rng.choice(n_products, size=k, replace=False), 1 + rng.binomial(2, QUANTITY_P, k), strict=True)]
        for k in line_counts
    ]


def _order_items_in_bulk(rng: np.random.Generator, k: np.ndarray,
                         n_products: int) -> OrderLines | None:
    state = rng.bit_generator.state
    buffered = int(state["has_uint32"])
    # Order i takes 2k-1 32-bit draws (k for Floyd, k-1 for the shuffle), then k doubles (a 64-bit word each).
    # A 32-bit draw uses the upper half a previous word left buffered, else a new word's lower half; with an
    # odd count per order the buffer flips every order, so the 32-bit draws form one stream of halves.
    has_buffer = (buffered + np.arange(len(k))) % 2 == 1
    u32_words = np.where(has_buffer, k - 1, k)
    words = rng.bit_generator.random_raw(int((u32_words + k).sum()))
    is_u32_word = np.repeat(np.tile(np.array([True, False]), len(k)), np.column_stack([u32_words, k]).ravel())
    halves = np.column_stack([words[is_u32_word] & _U32, words[is_u32_word] >> np.uint64(32)]).ravel()
    stream = np.concatenate([np.array([state["uinteger"]], dtype=np.uint64)[:buffered], halves])
    doubles = (words[~is_u32_word] >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)
    u32_start = np.concatenate([[0], np.cumsum(2 * k - 1)[:-1]])
    double_start = np.concatenate([[0], np.cumsum(k)[:-1]])

    products = np.full((len(k), MAX_LINES), -1, dtype=np.int64)
    for lines in range(1, MAX_LINES + 1):
        rows = np.flatnonzero(k == lines)
        picked = _sample_without_replacement(stream, u32_start[rows], lines, n_products)
        if picked is None:
            return None
        products[rows, :lines] = picked
    quantities = _binomial_2(doubles, QUANTITY_P)
    if quantities is None:
        return None

    used = int(u32_start[-1] + 2 * k[-1] - 1)
    # numpy keeps the last upper half it buffered in `uinteger`, consumed or not.
    rng.bit_generator.state = rng.bit_generator.state | {"has_uint32": len(stream) - used,
                                                         "uinteger": int(stream[-1])}
    return OrderLines(products, 1 + quantities, k, double_start)


def _bounded(draws: np.ndarray, high: int) -> tuple[np.ndarray, bool]:
    """Lemire's bounded integer in [0, high] from 32-bit draws; False where numpy might redraw."""
    scaled = draws * np.uint64(high + 1)
    return (scaled >> np.uint64(32)).astype(np.int64), bool(((scaled & _U32) < np.uint64(high + 1)).any())


def _sample_without_replacement(stream: np.ndarray, start: np.ndarray, k: int, n: int) -> np.ndarray | None:
    """`Generator.choice(n, k, replace=False)` per row: Floyd's algorithm, then a shuffle of the k picks."""
    picked = np.empty((len(start), k), dtype=np.int64)
    for m, j in enumerate(range(n - k, n)):
        t, unsure = _bounded(stream[start + m], j)
        if unsure:
            return None
        seen = (picked[:, :m] == t[:, None]).any(axis=1)
        picked[:, m] = np.where(seen, j, t)
    rows = np.arange(len(start))
    for s, i in enumerate(range(k - 1, 0, -1)):
        j, unsure = _bounded(stream[start + k + s], i)
        if unsure:
            return None
        at_i, at_j = picked[rows, i].copy(), picked[rows, j].copy()
        picked[rows, i], picked[rows, j] = at_j, at_i
    return picked


def _binomial_2(u: np.ndarray, p: float) -> np.ndarray | None:
    """numpy's binomial inversion for n=2 with the same floating-point steps; None if it would redraw."""
    q = 1.0 - p
    px0 = math.exp(2 * math.log(q))
    px1 = (2.0 * p * px0) / (1.0 * q)
    u1 = u - px0
    px2 = (1.0 * p * px1) / (2.0 * q)
    u2 = u1 - px1
    x = np.where(u <= px0, 0, np.where(u1 <= px1, 1, 2))
    if ((x == 2) & (u2 > px2)).any():
        return None
    return x
