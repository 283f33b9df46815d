"""Wire details several simulated vendors share: OAuth bearer checks and the `limit` query parameter.

Not a vendor: `server.VENDOR_MODULES` names the vendor modules that are loaded.
"""

from __future__ import annotations

from brightcart_pipeline.simulator.credentials import DEV_CREDENTIALS
from brightcart_pipeline.simulator.server import Request


def has_bearer(request: Request, credential: str) -> bool:
    """The request carries `Authorization: Bearer <the development token named credential>`."""
    return request.header("Authorization") == f"Bearer {DEV_CREDENTIALS[credential]}"


def page_limit(request: Request, default: int, maximum: int) -> int | None:
    """The `limit` query parameter (default when absent), or None when it is not a whole number in 1..maximum."""
    text = request.param("limit") or str(default)
    return int(text) if text.isdigit() and 1 <= int(text) <= maximum else None
