{#- Grain: one row per account-local day × platform × ad account. Spend of record from campaign-level
    rows (includes Performance Max), in the account currency (exact micros and units) and in the
    reporting currency at that day's reference rate. -#}
select
    date_day,
    platform,
    account_id,
    account_currency,
    reporting_currency,
    sum(spend_micros) as spend_micros,
    sum(spend) as spend,
    sum(spend_reporting) as spend_reporting
from {{ ref('fct_campaign_performance_daily') }}
group by date_day, platform, account_id, account_currency, reporting_currency
