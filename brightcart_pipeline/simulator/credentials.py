"""Development credentials the simulator accepts; the local target sends them, production never does."""

DEV_CREDENTIALS: dict[str, str] = {
    "google_ads_developer_token": "sim-google-ads-developer-token",
    "google_ads_access_token": "sim-google-oauth-access-token",
    "meta_ads_access_token": "sim-meta-access-token",
    "ga4_access_token": "sim-ga4-oauth-access-token",
    "hubspot_access_token": "sim-hubspot-private-app-token",
    "shopify_access_token": "shpat_sim0000000000000000000000000000",
}
