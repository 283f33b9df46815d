{#- Grain: one row per platform × ad (the unit ad-level metrics are reported for). Google's ad is its
    creative; a Meta ad points at one ad creative whose url_tags carry the utm_*. -#}
with google as (
    select
        ads.platform,
        campaigns.account_id,
        ads.campaign_id,
        ads.ad_group_id,
        ads.ad_id,
        ads.ad_name,
        ads.ad_status,
        ads.ad_type,
        ads.ad_id as creative_id,
        ads.headline,
        ads.final_url as landing_url,
        ads.utm_source,
        ads.utm_medium,
        ads.utm_campaign,
        ads.utm_content
    from {{ ref('stg_google_ads__ads') }} as ads
    left join {{ ref('stg_google_ads__campaigns') }} as campaigns on ads.campaign_id = campaigns.campaign_id
),

meta as (
    select
        ads.platform,
        ads.account_id,
        ads.campaign_id,
        ads.adset_id as ad_group_id,
        ads.ad_id,
        ads.ad_name,
        ads.ad_status,
        creatives.object_type as ad_type,
        ads.creative_id,
        creatives.title as headline,
        creatives.link_url as landing_url,
        creatives.utm_source,
        creatives.utm_medium,
        creatives.utm_campaign,
        creatives.utm_content
    from {{ ref('stg_meta_ads__ads') }} as ads
    left join {{ ref('stg_meta_ads__adcreatives') }} as creatives on ads.creative_id = creatives.creative_id
)

select * from google
union all
select * from meta
