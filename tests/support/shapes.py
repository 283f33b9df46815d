"""Compare JSON bodies by shape: key paths and JSON types, lists by their elements."""

from __future__ import annotations

from typing import Any

JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number",
              type(None): "null"}


def shape(value: Any, path: str = "$", first_only: bool = False) -> dict[str, str]:
    """Every key path with its JSON type; array elements share the path `[]` (all, or the first only)."""
    found = {path: JSON_TYPES[type(value)]}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(shape(item, f"{path}.{key}", first_only))
    elif isinstance(value, list):
        for item in value[:1] if first_only else value:
            found.update(shape(item, f"{path}[]", first_only))
    return found


def shape_differences(sample: Any, ours: Any, first_only: bool = False) -> list[str]:
    """Paths the sample has that ours lacks, or has with another type (null in either side matches).

    `first_only` compares arrays by their first element: for bodies whose elements are different kinds
    (error lists, where each error carries a different oneof member)."""
    theirs, mine = shape(sample, first_only=first_only), shape(ours, first_only=first_only)
    problems = []
    for path, kind in sorted(theirs.items()):
        if path not in mine:
            if _under_null_or_empty(path, theirs, mine):
                continue
            problems.append(f"missing {path} ({kind})")
        elif "null" not in (kind, mine[path]) and kind != mine[path]:
            problems.append(f"{path}: sample {kind}, ours {mine[path]}")
    return problems


def _under_null_or_empty(path: str, theirs: dict[str, str], mine: dict[str, str]) -> bool:
    """A field below a null object, or an element of an array that is empty in ours, cannot be compared."""
    prefix = path
    while "." in prefix or "[]" in prefix:
        prefix = prefix[: max(prefix.rfind("."), prefix.rfind("[]"))]
        if "null" in (theirs.get(prefix), mine.get(prefix)):
            return True
        if mine.get(prefix) == "array" and f"{prefix}[]" not in mine:
            return True
    return False
