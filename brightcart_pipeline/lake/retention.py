"""Retention: lake partitions older than the retention window (180 days by default) are removed.

Locally this runs as a daily Dagster asset; on S3 a lifecycle rule does the same (deploy/aws/lifecycle.json),
and this step is then a no-op safety net.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from brightcart_pipeline.lake.landing import DEAD_LETTER, MANIFESTS, RAW
from brightcart_pipeline.lake.store import LakeStore

_PARTITION = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/")


@dataclass
class RetentionResult:
    cutoff: dt.date
    deleted: list[str] = field(default_factory=list)
    kept: int = 0


def apply_retention(lake: LakeStore, today: dt.date, retention_days: int) -> RetentionResult:
    """Delete every object whose `dt=` partition is older than `retention_days` before `today`."""
    result = RetentionResult(cutoff=today - dt.timedelta(days=retention_days))
    for zone in (RAW, DEAD_LETTER, MANIFESTS):
        for key in lake.list(f"{zone}/"):
            match = _PARTITION.search(key)
            if match and dt.date.fromisoformat(match.group(1)) < result.cutoff:
                lake.delete(key)
                result.deleted.append(key)
            else:
                result.kept += 1
    return result
