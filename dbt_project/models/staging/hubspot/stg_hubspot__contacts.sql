{#- Grain: one row per HubSpot contact id, active or archived (the raw tables are merged on id: the
    latest version). Email in three forms (raw, trimmed-lowercased, matching-canonical), phone in E.164
    where possible. Merged-away duplicates are not here (HubSpot stops returning them); their ids are
    in hs_merged_object_ids of the survivor, exploded by int_crm__contact_merges. -#}
{%- set active = source('raw_hubspot', 'contacts') -%}
{%- set archived = source('raw_hubspot', 'archived_contacts') -%}
{%- set parts = [(active, false)] + ([(archived, true)] if source_exists(archived) else []) -%}

with source as (
    {%- for relation, is_archived in parts %}
        select
            cast(id as bigint) as contact_id,
            'hubspot' as source_system,
            properties__email as email_raw,
            {{ source_column(relation, 'properties__phone', 'varchar') }} as phone_raw,
            {{ source_column(relation, 'properties__firstname', 'varchar') }} as first_name,
            {{ source_column(relation, 'properties__lastname', 'varchar') }} as last_name,
            {{ source_column(relation, 'properties__country', 'varchar') }} as country_code,
            lower({{ source_column(relation, 'properties__lifecyclestage', 'varchar') }}) as lifecycle_stage,
            {{ source_column(relation, 'properties__hs_analytics_source', 'varchar') }} as analytics_source,
            {{ source_column(relation, 'properties__hs_analytics_source_data_1', 'varchar') }}
                as analytics_source_data_1,
            lower({{ source_column(relation, 'properties__hs_email_optout', 'varchar') }}) = 'true' as has_email_optout,
            lower({{ source_column(relation, 'properties__hs_marketable_status', 'varchar') }})
            = 'true' as is_marketable,
            {{ source_column(relation, 'properties__hs_legal_basis', 'varchar') }} as legal_basis,
            {{ source_column(relation, 'properties__hs_merged_object_ids', 'varchar') }} as merged_object_ids,
            {{ source_column(relation, 'properties__hs_all_contact_vids', 'varchar') }} as all_contact_vids,
            cast({{ source_column(relation, 'properties__num_associated_deals', 'varchar') }} as bigint)
                as num_associated_deals,
            {{ to_local_timestamp('properties__createdate', 'UTC') }} as created_at_utc,
            cast({{ to_local_timestamp('properties__createdate', var('shop_timezone')) }} as date) as created_date,
            {{ to_local_timestamp('properties__lastmodifieddate', 'UTC') }} as last_modified_at_utc,
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
    {#- An archived and an active copy of one id cannot both be current: the later change wins. -#}
    select *
    from source
    qualify row_number() over (partition by contact_id order by last_modified_at_utc desc, is_archived desc) = 1
),

renamed as (
    select
        contact_id,
        source_system,
        email_raw,
        {{ email_trimmed_lower('email_raw') }} as email_trimmed_lower,
        {{ email_canonical('email_raw') }} as email_canonical,
        phone_raw,
        {{ phone_e164('phone_raw') }} as phone_e164,
        first_name,
        last_name,
        country_code,
        lifecycle_stage,
        analytics_source,
        analytics_source_data_1,
        has_email_optout,
        is_marketable,
        legal_basis,
        merged_object_ids,
        all_contact_vids,
        num_associated_deals,
        created_at_utc,
        created_date,
        last_modified_at_utc,
        is_archived,
        archived_at_utc,
        lake_file
    from latest
)

select * from renamed
