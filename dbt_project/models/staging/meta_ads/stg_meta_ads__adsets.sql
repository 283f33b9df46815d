{%- set adsets = source('raw_meta_ads', 'adsets') -%}
{#- Grain: one row per ad set (latest state); Meta's ad set is the ad group level. -#}
with source as (
    select * from {{ adsets }}
),

renamed as (
    select
        'meta_ads' as platform,
        replace(account_id, 'act_', '') as account_id,
        campaign_id,
        id as adset_id,
        name as adset_name,
        status as adset_status,
        effective_status,
        {{ source_column(adsets, 'optimization_goal', 'varchar') }} as optimization_goal,
        {{ source_column(adsets, 'billing_event', 'varchar') }} as billing_event,
        {{ source_column(adsets, 'bid_strategy', 'varchar') }} as bid_strategy,
        {{ to_local_timestamp('updated_time', 'UTC') }} as updated_at_utc,
        _lake_file as lake_file
    from source
)

select * from renamed
