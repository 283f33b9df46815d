{#- Grain: one row per GA4 session (user_pseudo_id, ga_session_id), dated by its start in the property
    timezone (America/New_York): a session crossing midnight is counted once, on its start date.
    Internal traffic is kept and flagged (is_internal_traffic, channel Internal); person_key from
    the identity graph (the session's browser). -#}
with sessions as (
    select * from {{ ref('int_web__session_channels') }}
),

graph as (
    select * from {{ ref('int_identity_graph') }}
)

select
    sessions.session_key,
    sessions.source_system,
    sessions.user_pseudo_id,
    sessions.ga_session_id,
    graph.person_key,
    sessions.session_date,
    sessions.session_started_at_utc,
    sessions.session_start_us,
    sessions.session_end_us,
    sessions.user_id,
    sessions.ga_session_number,
    sessions.device_category,
    sessions.geo_country,
    sessions.landing_page,
    sessions.landing_referrer,
    sessions.utm_source,
    sessions.utm_medium,
    sessions.utm_campaign,
    sessions.utm_content,
    sessions.utm_term,
    sessions.gclid,
    sessions.fbclid,
    sessions.click_id_type,
    sessions.ad_platform,
    sessions.ad_account_id,
    sessions.ad_campaign_id,
    sessions.channel,
    sessions.pageviews,
    sessions.events,
    sessions.is_engaged,
    sessions.has_add_to_cart,
    sessions.has_begin_checkout,
    sessions.has_purchase,
    sessions.has_lead,
    sessions.transaction_id,
    sessions.is_internal_traffic
from sessions
left join graph on 'client_id:' || sessions.user_pseudo_id = graph.identifier_node
