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
)

{{ ads_in_reporting_currency(['date_day', 'platform', 'account_id', 'campaign_id', 'ad_group_id', 'ad_id']) }}
