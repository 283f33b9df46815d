{#- Grain: one row per HubSpot deal id, active or archived (raw merged on id: the latest version).
    Amounts are decimals in the deal's currency (deal_currency_code). -#}
{%- set active = source('raw_hubspot', 'deals') -%}
{%- set archived = source('raw_hubspot', 'archived_deals') -%}
{%- set parts = [(active, false)] + ([(archived, true)] if source_exists(archived) else []) -%}

with source as (
    {%- for relation, is_archived in parts %}
        select
            cast(id as bigint) as deal_id,
            'hubspot' as source_system,
            properties__dealname as deal_name,
            lower(properties__dealstage) as deal_stage,
            properties__pipeline as pipeline,
            {{ money(source_column(relation, 'properties__amount', 'varchar')) }} as amount,
            {{ source_column(relation, 'properties__deal_currency_code', 'varchar') }} as currency,
            lower({{ source_column(relation, 'properties__hs_is_closed', 'varchar') }}) = 'true' as is_closed,
            lower({{ source_column(relation, 'properties__hs_is_closed_won', 'varchar') }}) = 'true' as is_closed_won,
            {{ to_local_timestamp('properties__createdate', 'UTC') }} as created_at_utc,
            cast({{ to_local_timestamp('properties__createdate', var('shop_timezone')) }} as date) as created_date,
            {{ to_local_timestamp(
                source_column(relation, 'properties__closedate', 'timestamp with time zone'), 'UTC'
            ) }} as close_at_utc,
            {{ to_local_timestamp('properties__hs_lastmodifieddate', 'UTC') }} as last_modified_at_utc,
            {{ is_archived }} as is_archived,
            {% if is_archived -%}
            {{ to_local_timestamp('archived_at', 'UTC') }}
        {%- else -%}
                cast(null as timestamp)
            {%- endif %} as archived_at_utc,
            _lake_file as lake_file
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

latest as (
    select *
    from source
    qualify row_number() over (partition by deal_id order by last_modified_at_utc desc, is_archived desc) = 1
)

select * from latest
