"""Ground truth of BrightCart's channel grouping for ad campaigns (seed channel_rules), from the catalog."""

from __future__ import annotations

from brightcart_pipeline.simulator.catalog import CAMPAIGN_BY_ID

PAID_CHANNEL_BY_CAMPAIGN_TYPE = {"SHOPPING": "Paid Shopping", "PERFORMANCE_MAX": "Paid Shopping",
                                 "VIDEO": "Paid Video"}


def channel_of(campaign_id: str) -> str:
    """The channel a campaign's spend is reported under: Meta is Paid Social, Google by campaign type."""
    campaign = CAMPAIGN_BY_ID[campaign_id]
    if campaign.platform == "meta_ads":
        return "Paid Social"
    return PAID_CHANNEL_BY_CAMPAIGN_TYPE.get(campaign.channel_type, "Paid Search")
