{#- Grain: one row per ad platform campaign (platform, campaign_id), with the channel its clicks belong
    to (ad_campaign_channel: Google by advertisingChannelType, Meta → Paid Social) and the utm_campaign
    its ads tag landing pages with (Google ads' final URLs, Meta creatives' url_tags), the key sessions
    and Shopify landing sites carry. Read from the raw campaign tables so the paid-media models and the
    web models share one mapping. -#}
with google_campaigns as (
    select
        'google_ads' as platform,
        cast(customer__id as varchar) as account_id,
        cast(campaign__id as varchar) as campaign_id,
        campaign__name as campaign_name,
        upper(campaign__advertising_channel_type) as campaign_type
    from {{ source('raw_google_ads', 'campaigns') }}
),

google_utm as (
    select
        cast(campaign__id as varchar) as campaign_id,
        max({{ url_parameter(json_text('ad_group_ad__ad', 'finalUrls[0]'), 'utm_campaign') }}) as utm_campaign
    from {{ source('raw_google_ads', 'ads') }}
    group by campaign__id
),

meta_campaigns as (
    select
        'meta_ads' as platform,
        cast(account_id as varchar) as account_id,
        cast(id as varchar) as campaign_id,
        name as campaign_name,
        upper(objective) as campaign_type
    from {{ source('raw_meta_ads', 'campaigns') }}
),

meta_utm as (
    select
        cast(ads.campaign_id as varchar) as campaign_id,
        max({{ url_parameter('creatives.url_tags', 'utm_campaign') }}) as utm_campaign
    from {{ source('raw_meta_ads', 'ads') }} as ads
    inner join {{ source('raw_meta_ads', 'adcreatives') }} as creatives on ads.creative__id = creatives.id
    group by ads.campaign_id
),

campaigns as (
    select
        google_campaigns.platform,
        google_campaigns.account_id,
        google_campaigns.campaign_id,
        google_campaigns.campaign_name,
        google_campaigns.campaign_type,
        google_utm.utm_campaign
    from google_campaigns
    left join google_utm on google_campaigns.campaign_id = google_utm.campaign_id
    union all
    select
        meta_campaigns.platform,
        meta_campaigns.account_id,
        meta_campaigns.campaign_id,
        meta_campaigns.campaign_name,
        meta_campaigns.campaign_type,
        meta_utm.utm_campaign
    from meta_campaigns
    left join meta_utm on meta_campaigns.campaign_id = meta_utm.campaign_id
)

select
    platform,
    account_id,
    campaign_id,
    campaign_name,
    campaign_type,
    utm_campaign,
    {{ ad_campaign_channel('platform', 'campaign_type') }} as channel
from campaigns
