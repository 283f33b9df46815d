{%- set report = source('raw_ga4', 'report_daily_sessions') -%}
{#- Grain: one row per report date (property timezone) and session default channel group, source,
    medium and campaign, as the GA4 Data API aggregates them (internal traffic filtered out by GA4). -#}
with source as (
    select * from {{ report }}
),

renamed as (
    select
        'ga4' as source_system,
        cast(substr(date, 1, 4) || '-' || substr(date, 5, 2) || '-' || substr(date, 7, 2) as date) as report_date,
        session_default_channel_group,
        session_source,
        session_medium,
        session_campaign_name,
        cast(sessions as bigint) as sessions,
        cast(total_users as bigint) as total_users,
        cast(event_count as bigint) as event_count,
        cast(key_events as bigint) as key_events,
        {{ money('purchase_revenue') }} as purchase_revenue,
        '{{ var("ga4_property_currency") }}' as purchase_revenue_currency,
        _lake_file as lake_file
    from source
)

select * from renamed
