{#- Grain: one row per account-local day × platform × account × campaign × ad group × ad, both platforms
    in one shape. Spend in the account currency (micros and units) and in the reporting currency at the
    day's reference rate. Platform conversions are what the platform claims (Google conversions, Meta
    pixel purchases) and are never added to orders. -#}
with google as (
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
        conversions as platform_conversions,
        conversions_value as platform_conversions_value,
        cast(null as decimal(18, 2)) as platform_leads
    from {{ ref('stg_google_ads__ad_metrics_daily') }}
),

meta as (
    select
        date_day,
        platform,
        account_id,
        campaign_id,
        adset_id as ad_group_id,
        ad_id,
        account_currency,
        impressions,
        clicks,
        spend_micros,
        spend,
        purchases as platform_conversions,
        purchase_value as platform_conversions_value,
        leads as platform_leads
    from {{ ref('stg_meta_ads__ad_insights_daily') }}
),

unioned as (
    select * from google
    union all
    select * from meta
),

fx as (
    select
        currency,
        rate_date,
        rate_to_usd
    from {{ ref('fx_rates_daily') }}
)

select
    unioned.date_day,
    unioned.platform,
    unioned.account_id,
    unioned.campaign_id,
    unioned.ad_group_id,
    unioned.ad_id,
    unioned.account_currency,
    unioned.impressions,
    unioned.clicks,
    unioned.spend_micros,
    unioned.spend,
    '{{ var("reporting_currency") }}' as reporting_currency,
    {{ fx_rate_to_reporting('unioned.account_currency', 'fx.rate_to_usd') }} as fx_rate_to_reporting,
    cast(
        unioned.spend * {{ fx_rate_to_reporting('unioned.account_currency', 'fx.rate_to_usd') }} as decimal(18, 6)
    ) as spend_reporting,
    unioned.platform_conversions,
    unioned.platform_conversions_value,
    unioned.platform_leads
from unioned
left join fx
    on
        unioned.account_currency = fx.currency
        and unioned.date_day = fx.rate_date
