{#- Grain: one row per ad group ad (resource name; latest state). The ad arrives as JSON: its first
    final URL carries the utm_* the ad lands with, parsed here once for every downstream join. -#}
with source as (
    select * from {{ source('raw_google_ads', 'ads') }}
),

renamed as (
    select
        'google_ads' as platform,
        ad_group_ad__resource_name as ad_group_ad_resource_name,
        campaign__id as campaign_id,
        ad_group__id as ad_group_id,
        {{ json_text('ad_group_ad__ad', 'id') }} as ad_id,
        {{ json_text('ad_group_ad__ad', 'name') }} as ad_name,
        {{ json_text('ad_group_ad__ad', 'type') }} as ad_type,
        ad_group_ad__status as ad_status,
        {{ json_text('ad_group_ad__ad', 'finalUrls[0]') }} as final_url,
        coalesce(
            {{ json_text('ad_group_ad__ad', 'responsiveSearchAd.headlines[0].text') }},
            {{ json_text('ad_group_ad__ad', 'videoResponsiveAd.headlines[0].text') }}
        ) as headline,
        _lake_file as lake_file
    from source
),

with_utm as (
    select
        *,
        {{ url_parameter('final_url', 'utm_source') }} as utm_source,
        {{ url_parameter('final_url', 'utm_medium') }} as utm_medium,
        {{ url_parameter('final_url', 'utm_campaign') }} as utm_campaign,
        {{ url_parameter('final_url', 'utm_content') }} as utm_content,
        {{ url_parameter('final_url', 'utm_term') }} as utm_term
    from renamed
)

select * from with_utm
