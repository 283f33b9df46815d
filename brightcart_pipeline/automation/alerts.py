"""Alerts go to a Slack-compatible webhook when one is configured, and always to a local log.

The log (`<home>/alerts.jsonl`) is what tests and the dashboards read; the webhook is what people see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import orjson
import requests

from brightcart_pipeline.settings import Settings


@dataclass(frozen=True)
class Alert:
    kind: str  # run_failure | finance_sla | extract_sla | deletion_sla | check_failure
    title: str
    detail: str
    at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())


def send_alert(settings: Settings, alert: Alert) -> None:
    settings.alerts_path.parent.mkdir(parents=True, exist_ok=True)
    with settings.alerts_path.open("ab") as log:
        log.write(orjson.dumps(asdict(alert)) + b"\n")
    if settings.alert_webhook_url:
        requests.post(settings.alert_webhook_url, json={"text": f"*{alert.title}*\n{alert.detail}"}, timeout=10)


def read_alerts(settings: Settings) -> list[Alert]:
    if not settings.alerts_path.exists():
        return []
    return [Alert(**orjson.loads(line)) for line in settings.alerts_path.read_bytes().splitlines() if line]
