{%- set creatives = source('raw_meta_ads', 'adcreatives') -%}
{#- Grain: one row per creative. url_tags ("utm_source=…&utm_content=…") is what Meta appends to the
    link; utm_* parsed here once. -#}
with source as (
    select * from {{ creatives }}
),

renamed as (
    select
        'meta_ads' as platform,
        replace(account_id, 'act_', '') as account_id,
        id as creative_id,
        name as creative_name,
        {{ source_column(creatives, 'title', 'varchar') }} as title,
        {{ source_column(creatives, 'body', 'varchar') }} as body,
        {{ source_column(creatives, 'object_type', 'varchar') }} as object_type,
        status as creative_status,
        {{ source_column(creatives, 'url_tags', 'varchar') }} as url_tags,
        {{ json_text(source_column(creatives, 'object_story_spec__link_data', type_json()), 'link') }} as link_url,
        _lake_file as lake_file
    from source
),

with_utm as (
    select
        *,
        {{ url_parameter('url_tags', 'utm_source') }} as utm_source,
        {{ url_parameter('url_tags', 'utm_medium') }} as utm_medium,
        {{ url_parameter('url_tags', 'utm_campaign') }} as utm_campaign,
        {{ url_parameter('url_tags', 'utm_content') }} as utm_content,
        {{ url_parameter('url_tags', 'utm_term') }} as utm_term
    from renamed
)

select * from with_utm
