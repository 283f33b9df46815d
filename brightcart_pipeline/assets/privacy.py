"""Deletion requests in the daily build: raw scrubbed before staging reads it, completed after the marts."""

import dagster as dg

from brightcart_pipeline.privacy.forget import complete_rebuilt_requests, process_deletion_requests
from brightcart_pipeline.settings import get_settings

DELETIONS = dg.AssetKey(["privacy", "deletion_requests"])


@dg.asset(key=DELETIONS, group_name="privacy",
          description="Pending deletion requests carried out in the lake and raw tables; every staging model "
                      "depends on this, so the marts are rebuilt from scrubbed raw in the same run.")
def deletion_requests() -> dg.MaterializeResult:
    outcome = process_deletion_requests(get_settings(), rebuild=False)
    return dg.MaterializeResult(metadata={"requests": outcome.requests,
                                          "lake_files_rewritten": outcome.lake_files_rewritten,
                                          "raw_rows_deleted": outcome.raw_rows_deleted})


@dg.asset(key=["privacy", "deletion_requests_completed"], group_name="privacy",
          deps=[dg.AssetKey(["core", "fct_orders"])],
          description="Marks requests complete once the marts have been rebuilt without the person.")
def deletion_requests_completed() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"completed": complete_rebuilt_requests(get_settings())})
