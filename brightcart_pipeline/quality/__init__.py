"""Data-quality checks as pure functions over a DuckDB connection (or dataframes).

Each module answers one question about the raw tables; `assets/quality.py` wires them to Dagster
asset checks. Every check returns a `CheckOutcome` whose description says what is wrong and where.
"""

from brightcart_pipeline.quality.outcome import CheckOutcome, Severity

__all__ = ["CheckOutcome", "Severity"]
