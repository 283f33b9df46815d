{%- set events = source('raw_ga4', 'events') -%}
{{ config(
    materialized='incremental',
    unique_key='event_key',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_gone_upstream('dlt_id', source('raw_ga4', 'events'), '_dlt_id') }}",
) }}
{#- Grain: one row per GA4 export event. GA4 has no event id; the key is the export's own fields
    (user_pseudo_id, event_timestamp, event_name, batch_page_id, batch_ordering_id, batch_event_index).
    Event parameters used downstream are unnested to typed columns; utm_* and click ids parsed from
    page_location.
    Incremental, unlike other staging models: parsing the event parameters out of JSON is the most
    expensive step of a build, so each event is parsed once, when dlt loads it (or re-loads it when its
    export table changed), and merged on event_key; erased raw rows are deleted (pre-hook). -#}
with source as (
    select * from {{ events }}
    where {{ loaded_since_last_build('_dlt_load_id') }}
),

renamed as (
    select
        {{ dbt.hash(dbt.concat([
            "user_pseudo_id", "'|'", "cast(event_timestamp as varchar)", "'|'", "event_name", "'|'",
            "coalesce(cast(batch_page_id as varchar), '')", "'|'",
            "coalesce(cast(batch_ordering_id as varchar), '')", "'|'",
            "coalesce(cast(batch_event_index as varchar), '')",
        ])) }} as event_key,
        'ga4' as source_system,
        stream_id,
        user_pseudo_id,
        {{ source_column(events, 'user_id', 'varchar') }} as user_id,
        cast(event_timestamp as bigint) as event_timestamp_us,
        {{ to_local_timestamp(from_epoch_micros('event_timestamp'), 'UTC') }} as event_at_utc,
        cast({{ to_local_timestamp(from_epoch_micros('event_timestamp'), var('ga4_property_timezone')) }} as date)
            as event_date,
        event_date as export_table_date,
        event_name,
        cast(batch_page_id as bigint) as batch_page_id,
        cast(batch_ordering_id as bigint) as batch_ordering_id,
        cast(batch_event_index as bigint) as batch_event_index,
        cast({{ json_array_lookup('event_params', 'key', 'ga_session_id', 'value.int_value') }} as bigint)
            as ga_session_id,
        cast({{ json_array_lookup('event_params', 'key', 'ga_session_number', 'value.int_value') }} as bigint)
            as ga_session_number,
        {{ json_array_lookup('event_params', 'key', 'page_location', 'value.string_value') }} as page_location,
        {{ json_array_lookup('event_params', 'key', 'page_referrer', 'value.string_value') }} as page_referrer,
        {{ json_array_lookup('event_params', 'key', 'page_title', 'value.string_value') }} as page_title,
        {{ json_array_lookup('event_params', 'key', 'traffic_type', 'value.string_value') }} as traffic_type,
        cast({{ json_array_lookup('event_params', 'key', 'engaged_session_event', 'value.int_value') }} as bigint)
            as engaged_session_event,
        {{ json_array_lookup('event_params', 'key', 'session_engaged', 'value.string_value') }} as session_engaged,
        {{ json_array_lookup('event_params', 'key', 'transaction_id', 'value.string_value') }} as param_transaction_id,
        {{ source_column(events, 'collected_traffic_source__manual_campaign_name', 'varchar') }}
            as collected_campaign_name,
        {{ source_column(events, 'collected_traffic_source__manual_source', 'varchar') }} as collected_source,
        {{ source_column(events, 'collected_traffic_source__manual_medium', 'varchar') }} as collected_medium,
        {{ source_column(events, 'collected_traffic_source__manual_content', 'varchar') }} as collected_content,
        {{ source_column(events, 'collected_traffic_source__manual_term', 'varchar') }} as collected_term,
        {{ source_column(events, 'collected_traffic_source__gclid', 'varchar') }} as collected_gclid,
        {{ source_column(events, 'collected_traffic_source__dclid', 'varchar') }} as collected_dclid,
        {{ source_column(events, 'traffic_source__source', 'varchar') }} as first_user_source,
        {{ source_column(events, 'traffic_source__medium', 'varchar') }} as first_user_medium,
        {{ source_column(events, 'traffic_source__name', 'varchar') }} as first_user_campaign,
        {{ source_column(events, 'ecommerce__transaction_id', 'varchar') }} as ecommerce_transaction_id,
        {{ source_column(events, 'ecommerce__purchase_revenue', 'double') }} as purchase_revenue,
        {{ source_column(events, 'device__category', 'varchar') }} as device_category,
        {{ source_column(events, 'geo__country', 'varchar') }} as geo_country,
        _lake_file as lake_file,
        _dlt_id as dlt_id,
        _dlt_load_id as dlt_load_id
    from source
),

parsed as (
    select
        *,
        {{ url_parameter('page_location', 'utm_source') }} as utm_source,
        {{ url_parameter('page_location', 'utm_medium') }} as utm_medium,
        {{ url_parameter('page_location', 'utm_campaign') }} as utm_campaign,
        {{ url_parameter('page_location', 'utm_content') }} as utm_content,
        {{ url_parameter('page_location', 'utm_term') }} as utm_term,
        {{ url_parameter('page_location', 'gclid') }} as gclid,
        {{ url_parameter('page_location', 'fbclid') }} as fbclid,
        coalesce(ecommerce_transaction_id, param_transaction_id) as transaction_id,
        'USD' as purchase_revenue_currency
    from renamed
)

select * from parsed
