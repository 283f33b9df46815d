{%- set campaigns = source('raw_google_ads', 'campaigns') -%}
{#- Grain: one row per campaign (the raw table is merged on campaign__id, so it holds the latest state). -#}
with source as (
    select * from {{ campaigns }}
),

renamed as (
    select
        'google_ads' as platform,
        customer__id as account_id,
        customer__currency_code as account_currency,
        customer__time_zone as account_timezone,
        campaign__id as campaign_id,
        campaign__name as campaign_name,
        campaign__status as campaign_status,
        campaign__advertising_channel_type as channel_type,
        {{ source_column(campaigns, 'campaign__bidding_strategy_type', 'varchar') }} as bidding_strategy_type,
        cast({{ source_column(campaigns, 'campaign__start_date', 'varchar') }} as date) as start_date,
        cast({{ source_column(campaigns, 'campaign__end_date', 'varchar') }} as date) as end_date,
        campaign__advertising_channel_type = 'PERFORMANCE_MAX' as is_performance_max,
        _lake_file as lake_file
    from source
)

select * from renamed
