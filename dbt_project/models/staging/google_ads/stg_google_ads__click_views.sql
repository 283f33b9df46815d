{%- set clicks = source('raw_google_ads', 'click_views') -%}
{#- Grain: one row per click (gclid). Performance Max clicks carry no ad group or ad. -#}
with source as (
    select * from {{ clicks }}
),

renamed as (
    select
        'google_ads' as platform,
        click_view__gclid as gclid,
        cast(segments__date as date) as date_day,
        campaign__id as campaign_id,
        {{ source_column(clicks, 'ad_group__id', 'varchar') }} as ad_group_id,
        {{ source_column(clicks, 'click_view__ad_group_ad', 'varchar') }} as ad_group_ad_resource_name,
        cast({{ source_column(clicks, 'click_view__page_number', 'varchar') }} as bigint) as page_number,
        {{ source_column(clicks, 'segments__device', 'varchar') }} as device,
        {{ source_column(clicks, 'segments__click_type', 'varchar') }} as click_type,
        {{ source_column(clicks, 'segments__ad_network_type', 'varchar') }} as ad_network_type,
        _lake_file as lake_file
    from source
)

select * from renamed
