{#- Grain: one row per (contact_id, deal_id) association (v4 batch read, HUBSPOT_DEFINED contact_to_deal). -#}
with source as (
    select
        from__id,
        {#- `to` is a reserved word; dlt upper-cases identifiers on Snowflake. #}
        {{ adapter.quote('TO' if target.type == 'snowflake' else 'to') }} as associated_deals,
        _lake_file
    from {{ source('raw_hubspot', 'contact_deal_associations') }}
),

renamed as (
    select distinct
        cast(source.from__id as bigint) as contact_id,
        cast({{ json_element_text('deal', 'toObjectId') }} as bigint) as deal_id,
        'hubspot' as source_system,
        source._lake_file as lake_file
    from source
    {{ json_array_rows('source.associated_deals', 'deal') }}
)

select * from renamed
