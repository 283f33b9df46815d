{{ config(
    materialized='incremental',
    unique_key='session_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_gone_upstream('user_pseudo_id', ref('stg_ga4__events'), 'user_pseudo_id') }}",
) }}
{#- Grain: one row per GA4 session = (user_pseudo_id, ga_session_id). Every event of the session is
    grouped by that key whatever export table (date) it sits in, so a session crossing midnight in
    the property timezone is one session, dated by its start. Landing attributes come from the
    session's first event (timestamp, then page batch, then event index).
    Incremental: a build re-derives only the sessions with an event loaded since the last build, from all
    of their events (late events of a session already built included), and merges them on session_key.
    Browsers whose events were erased lose their sessions (pre-hook). -#}
{%- set incremental = not offline_compile() and is_incremental() %}
with session_events as (
    select * from {{ ref('stg_ga4__events') }}
    where ga_session_id is not null
),

events as (
    select * from session_events
    {% if incremental -%}
        where exists (
            select 1
            from session_events as changed
            where
                changed.user_pseudo_id = session_events.user_pseudo_id
                and changed.ga_session_id = session_events.ga_session_id
                and {{ loaded_since_last_build('changed.dlt_load_id', built_from='last_load_id') }}
        )
    {%- endif %}
),

ordered as (
    select
        *,
        row_number() over (
            partition by user_pseudo_id, ga_session_id
            order by event_timestamp_us, batch_page_id, batch_ordering_id, batch_event_index, event_name
        ) as event_rank
    from events
),

landing as (
    select
        user_pseudo_id,
        ga_session_id,
        page_location as landing_page,
        page_referrer as landing_referrer,
        fbclid,
        coalesce(utm_source, collected_source) as utm_source,
        coalesce(utm_medium, collected_medium) as utm_medium,
        coalesce(utm_campaign, collected_campaign_name) as utm_campaign,
        coalesce(utm_content, collected_content) as utm_content,
        coalesce(utm_term, collected_term) as utm_term,
        coalesce(gclid, collected_gclid) as gclid
    from ordered
    where event_rank = 1
),

aggregated as (
    select
        user_pseudo_id,
        ga_session_id,
        -- ga_session_id is the session's start (epoch seconds): it dates a session whose first events sit in
        -- an export table not read (a session crossing midnight into the first day read).
        case
            when min(event_timestamp_us) - ga_session_id * cast(1000000 as bigint) < 1000000
                then min(event_timestamp_us)
            else ga_session_id * cast(1000000 as bigint)
        end as session_start_us,
        max(event_timestamp_us) as session_end_us,
        max(user_id) as user_id,
        max(ga_session_number) as ga_session_number,
        max(stream_id) as stream_id,
        max(device_category) as device_category,
        max(geo_country) as geo_country,
        max(case when traffic_type = 'internal' then 1 else 0 end) = 1 as is_internal_traffic,
        sum(case when event_name = 'page_view' then 1 else 0 end) as pageviews,
        count(*) as events,
        max(case when engaged_session_event = 1 or session_engaged = '1' then 1 else 0 end) = 1 as is_engaged,
        max(case when event_name = 'add_to_cart' then 1 else 0 end) = 1 as has_add_to_cart,
        max(case when event_name = 'begin_checkout' then 1 else 0 end) = 1 as has_begin_checkout,
        max(case when event_name = 'purchase' then 1 else 0 end) = 1 as has_purchase,
        max(case when event_name = 'generate_lead' then 1 else 0 end) = 1 as has_lead,
        max(case when event_name = 'purchase' then transaction_id end) as transaction_id,
        max(dlt_load_id) as last_load_id
    from events
    group by user_pseudo_id, ga_session_id
),

joined as (
    select
        {{ dbt.hash(dbt.concat(["aggregated.user_pseudo_id", "'|'", "cast(aggregated.ga_session_id as varchar)"]))
        }} as session_key,
        'ga4' as source_system,
        aggregated.user_pseudo_id,
        aggregated.ga_session_id,
        aggregated.session_start_us,
        aggregated.session_end_us,
        {{ to_local_timestamp(from_epoch_micros('aggregated.session_start_us'), 'UTC') }} as session_started_at_utc,
        cast(
            {{ to_local_timestamp(from_epoch_micros('aggregated.session_start_us'), var('ga4_property_timezone')) }}
            as date
        ) as session_date,
        aggregated.user_id,
        aggregated.ga_session_number,
        aggregated.stream_id,
        aggregated.device_category,
        aggregated.geo_country,
        landing.landing_page,
        landing.landing_referrer,
        landing.utm_source,
        landing.utm_medium,
        landing.utm_campaign,
        landing.utm_content,
        landing.utm_term,
        landing.gclid,
        landing.fbclid,
        case
            when landing.gclid is not null then 'gclid'
            when landing.fbclid is not null then 'fbclid'
        end as click_id_type,
        aggregated.is_internal_traffic,
        case when aggregated.is_internal_traffic then 'internal' end as traffic_type,
        aggregated.pageviews,
        aggregated.events,
        aggregated.is_engaged,
        aggregated.has_add_to_cart,
        aggregated.has_begin_checkout,
        aggregated.has_purchase,
        aggregated.has_lead,
        aggregated.transaction_id,
        aggregated.last_load_id
    from aggregated
    inner join landing
        on
            aggregated.user_pseudo_id = landing.user_pseudo_id
            and aggregated.ga_session_id = landing.ga_session_id
)

select * from joined
