{{ config(materialized='table') }}
{#- Grain: one row per GA4 session (user_pseudo_id, ga_session_id) with its channel (BrightCart's
    channel grouping: seed channel_rules through assign_channel) and its ad campaign (the landing
    page's utm_campaign matched to the ad platforms' campaigns, on the platform its click id or
    utm_source names). -#}
with sessions as (
    select * from {{ ref('int_web__sessions') }}
),

campaigns as (
    select * from {{ ref('int_campaign_channels') }}
),

clicks as (
    {#- Google's click view names the campaign of every gclid, Performance Max included (its ads carry
        no final URL to read utm_campaign from). -#}
    select
        click_view__gclid as gclid,
        max(cast(campaign__id as varchar)) as campaign_id
    from {{ source('raw_google_ads', 'click_views') }}
    group by click_view__gclid
),

with_campaign as (
    select
        sessions.*,
        sessions.landing_referrer as referrer,
        coalesce(clicked.platform, tagged.platform) as ad_platform,
        coalesce(clicked.account_id, tagged.account_id) as ad_account_id,
        coalesce(clicked.campaign_id, tagged.campaign_id) as ad_campaign_id,
        coalesce(clicked.campaign_type, tagged.campaign_type) as ad_channel_type
    from sessions
    left join clicks on sessions.gclid = clicks.gclid
    left join campaigns as clicked
        on
            clicks.campaign_id = clicked.campaign_id
            and clicked.platform = 'google_ads'
    left join campaigns as tagged
        on
            sessions.utm_campaign = tagged.utm_campaign
            and tagged.platform = case
                when sessions.gclid is not null or lower(sessions.utm_source) = 'google' then 'google_ads'
                when sessions.fbclid is not null or lower(sessions.utm_source) in ('facebook', 'instagram', 'meta')
                    then 'meta_ads'
            end
),

channels as (
    {{ assign_channel('with_campaign', ['session_key']) }}
)

select
    with_campaign.session_key,
    with_campaign.source_system,
    with_campaign.user_pseudo_id,
    with_campaign.ga_session_id,
    with_campaign.session_date,
    with_campaign.session_started_at_utc,
    with_campaign.session_start_us,
    with_campaign.session_end_us,
    with_campaign.user_id,
    with_campaign.ga_session_number,
    with_campaign.device_category,
    with_campaign.geo_country,
    with_campaign.landing_page,
    with_campaign.landing_referrer,
    with_campaign.utm_source,
    with_campaign.utm_medium,
    with_campaign.utm_campaign,
    with_campaign.utm_content,
    with_campaign.utm_term,
    with_campaign.gclid,
    with_campaign.fbclid,
    with_campaign.click_id_type,
    with_campaign.ad_platform,
    with_campaign.ad_account_id,
    with_campaign.ad_campaign_id,
    channels.channel,
    channels.channel_rule_priority,
    with_campaign.pageviews,
    with_campaign.events,
    with_campaign.is_engaged,
    with_campaign.has_add_to_cart,
    with_campaign.has_begin_checkout,
    with_campaign.has_purchase,
    with_campaign.has_lead,
    with_campaign.transaction_id,
    with_campaign.is_internal_traffic
from with_campaign
inner join channels on with_campaign.session_key = channels.session_key
