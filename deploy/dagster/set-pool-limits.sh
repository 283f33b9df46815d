#!/usr/bin/env sh
# Per-pool limits live in the instance's database, not in dagster.yaml, so they are set once per deploy
# (the dagster-pools service in docker-compose.yml, or a Helm post-install job) and re-running is harmless.
# Limits reflect each vendor's quota, shared by every run against the same account:
#   Google Ads and Meta throttle per account and tolerate a couple of parallel report jobs;
#   GA4's Data API has per-property hourly tokens, two streams stay well inside them;
#   HubSpot allows ~190 requests per 10 s per app and Shopify REST 2 requests/s on the standard plan,
#   so one stream each already runs at the ceiling.
set -eu
while read -r pool limit; do
  dagster instance concurrency set "$pool" "$limit"
done <<LIMITS
google_ads_api 2
meta_ads_api 2
ga4_api 2
hubspot_api 1
shopify_api 1
LIMITS
