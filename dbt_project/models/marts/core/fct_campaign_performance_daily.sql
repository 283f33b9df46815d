{#- Grain: one row per account-local reporting day × platform × account × campaign, from campaign-level
    rows, so Performance Max spend (which has no ad rows) is counted. This is the spend of record;
    fct_ad_performance_daily is for drilling into ads. -#}
with performance as (
    select * from {{ ref('int_ads__campaign_performance_daily') }}
),

campaigns as (
    select
        platform,
        campaign_id,
        campaign_name,
        channel_type,
        utm_campaign,
        is_performance_max,
        has_ad_level_metrics
    from {{ ref('dim_campaign') }}
)

select
    performance.date_day,
    performance.platform,
    performance.account_id,
    performance.campaign_id,
    campaigns.campaign_name,
    campaigns.channel_type,
    campaigns.utm_campaign,
    performance.account_currency,
    performance.impressions,
    performance.clicks,
    performance.spend_micros,
    performance.spend,
    performance.reporting_currency,
    performance.fx_rate_to_reporting,
    performance.spend_reporting,
    performance.platform_conversions,
    performance.platform_conversions_value,
    performance.platform_leads,
    coalesce(campaigns.is_performance_max, false) as is_performance_max,
    coalesce(campaigns.has_ad_level_metrics, true) as has_ad_level_metrics
from performance
left join campaigns
    on
        performance.platform = campaigns.platform
        and performance.campaign_id = campaigns.campaign_id
