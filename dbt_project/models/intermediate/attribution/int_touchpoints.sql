{{ config(materialized='table') }}
{#- Grain: one row per marketing touchpoint (touchpoint_key) of a resolved person: every GA4 session
    that is not internal traffic, and every HubSpot contact creation (a CRM lead, at createdate, with
    HubSpot's original source as channel). A CRM lead is attributable only when GA4 saw no session of
    the same person in the var('attribution_lead_dedup_minutes') before it: otherwise the form fill is
    that session, already a touchpoint (GA4 misses visitors who decline analytics cookies; their
    leads still count). -#}
with sessions as (
    select * from {{ ref('int_web__session_channels') }}
    where not is_internal_traffic
),

graph as (
    select * from {{ ref('int_identity_graph') }}
),

session_touchpoints as (
    select
        'session:' || sessions.session_key as touchpoint_key,
        'session' as touchpoint_type,
        'ga4' as source_system,
        graph.person_key,
        sessions.session_start_us as touchpoint_us,
        sessions.session_started_at_utc as touchpoint_at_utc,
        sessions.channel,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.ad_platform,
        sessions.ad_campaign_id,
        sessions.gclid,
        sessions.fbclid,
        sessions.session_key,
        cast(null as bigint) as contact_id
    from sessions
    inner join graph on 'client_id:' || sessions.user_pseudo_id = graph.identifier_node
),

lead_touchpoints as (
    select
        'crm_lead:' || cast(contacts.contact_id as varchar) as touchpoint_key,
        'crm_lead' as touchpoint_type,
        'hubspot' as source_system,
        graph.person_key,
        {{ to_epoch_micros('contacts.created_at_utc') }} as touchpoint_us,
        contacts.created_at_utc as touchpoint_at_utc,
        {{ hubspot_source_channel('contacts.analytics_source') }} as channel,
        cast(null as varchar) as utm_source,
        cast(null as varchar) as utm_medium,
        contacts.analytics_source_data_1 as utm_campaign,
        cast(null as varchar) as ad_platform,
        cast(null as varchar) as ad_campaign_id,
        cast(null as varchar) as gclid,
        cast(null as varchar) as fbclid,
        cast(null as varchar) as session_key,
        contacts.contact_id
    from {{ ref('stg_hubspot__contacts') }} as contacts
    inner join graph on 'hubspot_contact_id:' || cast(contacts.contact_id as varchar) = graph.identifier_node
    where contacts.lifecycle_stage in ('lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity')
),

lead_dedup as (
    select distinct lead_touchpoints.touchpoint_key
    from lead_touchpoints
    inner join session_touchpoints
        on
            lead_touchpoints.person_key = session_touchpoints.person_key
            and lead_touchpoints.touchpoint_us >= session_touchpoints.touchpoint_us
            and session_touchpoints.touchpoint_us
            >= lead_touchpoints.touchpoint_us
            - {{ var('attribution_lead_dedup_minutes') }} * 60 * cast(1000000 as bigint)
),

touchpoints as (
    select
        *,
        true as is_attributable
    from session_touchpoints
    union all
    select
        lead_touchpoints.*,
        lead_dedup.touchpoint_key is null as is_attributable
    from lead_touchpoints
    left join lead_dedup on lead_touchpoints.touchpoint_key = lead_dedup.touchpoint_key
)

select * from touchpoints
