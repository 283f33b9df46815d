{#- Grain: one row per account-local day × platform × account × campaign. Google from its campaign-level
    report (the only level where Performance Max spend exists); Meta has no campaign report in the
    extract, so its ad-level insights are summed (Meta reports every campaign's spend at ad level). -#}
with google as (
    select
        date_day,
        platform,
        account_id,
        campaign_id,
        account_currency,
        impressions,
        clicks,
        spend_micros,
        spend,
        conversions as platform_conversions,
        conversions_value as platform_conversions_value,
        cast(null as decimal(18, 2)) as platform_leads
    from {{ ref('stg_google_ads__campaign_metrics_daily') }}
),

meta as (
    select
        date_day,
        platform,
        account_id,
        campaign_id,
        account_currency,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend_micros) as spend_micros,
        sum(spend) as spend,
        sum(purchases) as platform_conversions,
        sum(purchase_value) as platform_conversions_value,
        sum(leads) as platform_leads
    from {{ ref('stg_meta_ads__ad_insights_daily') }}
    group by date_day, platform, account_id, campaign_id, account_currency
),

unioned as (
    select * from google
    union all
    select * from meta
)

{{ ads_in_reporting_currency(['date_day', 'platform', 'account_id', 'campaign_id']) }}
