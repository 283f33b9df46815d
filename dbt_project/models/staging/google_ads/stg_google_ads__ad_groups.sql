{%- set ad_groups = source('raw_google_ads', 'ad_groups') -%}
{#- Grain: one row per ad group (latest state; merged on ad_group__id). -#}
with source as (
    select * from {{ ad_groups }}
),

renamed as (
    select
        'google_ads' as platform,
        campaign__id as campaign_id,
        ad_group__id as ad_group_id,
        ad_group__name as ad_group_name,
        ad_group__status as ad_group_status,
        {{ source_column(ad_groups, 'ad_group__type', 'varchar') }} as ad_group_type,
        _lake_file as lake_file
    from source
)

select * from renamed
