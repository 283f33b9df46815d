{%- set ads = source('raw_meta_ads', 'ads') -%}
{#- Grain: one row per ad (latest state). -#}
with source as (
    select * from {{ ads }}
),

renamed as (
    select
        'meta_ads' as platform,
        replace(account_id, 'act_', '') as account_id,
        campaign_id,
        adset_id,
        id as ad_id,
        name as ad_name,
        status as ad_status,
        effective_status,
        {{ source_column(ads, 'creative__id', 'varchar') }} as creative_id,
        {{ to_local_timestamp('updated_time', 'UTC') }} as updated_at_utc,
        _lake_file as lake_file
    from source
)

select * from renamed
