{#- Grain: one row per platform × campaign. utm_campaign is what the campaign's ads land with (Google
    final URLs, Meta creative url_tags); it is how sessions and orders are tied back to a campaign.
    has_ad_level_metrics is false for Performance Max, whose spend exists only per campaign. -#}
with google_utm as (
    select
        campaign_id,
        min(utm_campaign) as utm_campaign
    from {{ ref('stg_google_ads__ads') }}
    group by campaign_id
),

meta_utm as (
    select
        ads.campaign_id,
        min(creatives.utm_campaign) as utm_campaign
    from {{ ref('stg_meta_ads__ads') }} as ads
    inner join {{ ref('stg_meta_ads__adcreatives') }} as creatives on ads.creative_id = creatives.creative_id
    group by ads.campaign_id
),

google as (
    select
        campaigns.platform,
        campaigns.account_id,
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_status,
        campaigns.channel_type,
        google_utm.utm_campaign,
        campaigns.is_performance_max,
        not campaigns.is_performance_max as has_ad_level_metrics
    from {{ ref('stg_google_ads__campaigns') }} as campaigns
    left join google_utm on campaigns.campaign_id = google_utm.campaign_id
),

meta as (
    select
        campaigns.platform,
        campaigns.account_id,
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_status,
        campaigns.objective as channel_type,
        meta_utm.utm_campaign,
        false as is_performance_max,
        true as has_ad_level_metrics
    from {{ ref('stg_meta_ads__campaigns') }} as campaigns
    left join meta_utm on campaigns.campaign_id = meta_utm.campaign_id
)

select * from google
union all
select * from meta
