{%- set metrics = source('raw_google_ads', 'campaign_metrics_daily') -%}
{#- Grain: one row per campaign and account-local reporting day (segments.date, the account's timezone).
    Spend kept as integer micros (exact) and as decimal account-currency units. -#}
with source as (
    select * from {{ metrics }}
),

renamed as (
    select
        'google_ads' as platform,
        customer__id as account_id,
        customer__currency_code as account_currency,
        campaign__id as campaign_id,
        campaign__advertising_channel_type as channel_type,
        cast(segments__date as date) as date_day,
        cast(metrics__impressions as bigint) as impressions,
        cast(metrics__clicks as bigint) as clicks,
        cast(metrics__cost_micros as bigint) as spend_micros,
        {{ micros_to_units('metrics__cost_micros') }} as spend,
        {{ source_column(metrics, 'metrics__conversions', 'decimal(18, 2)') }} as conversions,
        {{ source_column(metrics, 'metrics__conversions_value', 'decimal(18, 2)') }} as conversions_value,
        _lake_file as lake_file
    from source
)

select * from renamed
