{{ config(
    materialized='incremental',
    unique_key='date_day',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
) }}
{#- Grain: one row per account-local reporting day × platform × account × campaign × ad group × ad.
    date_day is the day as the platform reports it (the account's timezone: Google America/New_York,
    Meta Europe/Dublin). Performance Max has no ad rows (see fct_campaign_performance_daily).
    Incremental: each run replaces whole days (unique_key date_day, delete+insert) from
    var('ads_restatement_lookback_days') days before the newest built day on, because platforms restate
    recent days and the extractors re-pull that window; older days are final and kept. -#}
with performance as (
    select * from {{ ref('int_ads__ad_performance_daily') }}
    {% if not offline_compile() and is_incremental() %}
        where date_day >= (
            select {{ dbt.dateadd('day', 0 - (var('ads_restatement_lookback_days') | int), 'max(date_day)') }}
            from {{ this }}
        )
    {% endif %}
)

select
    date_day,
    platform,
    account_id,
    campaign_id,
    ad_group_id,
    ad_id,
    account_currency,
    impressions,
    clicks,
    spend_micros,
    spend,
    reporting_currency,
    fx_rate_to_reporting,
    spend_reporting,
    platform_conversions,
    platform_conversions_value,
    platform_leads
from performance
