{#- Grain: one row per contact id ever known (merged_contact_id) with the surviving contact it now
    lives in: every active or archived contact maps to itself, and every id in a survivor's
    hs_merged_object_ids (merged-away duplicates HubSpot no longer returns) maps to that survivor. -#}
with contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

merged_away as (
    select
        cast({{ split_part_value('merged_id') }} as bigint) as merged_contact_id,
        contacts.contact_id as survivor_contact_id
    from contacts
    {{ split_to_rows('contacts.merged_object_ids', ';', 'merged_id') }}
    where
        contacts.merged_object_ids is not null
        and {{ split_part_value('merged_id') }} <> ''
),

mapped as (
    select
        contact_id as merged_contact_id,
        contact_id as survivor_contact_id,
        false as is_merged_away
    from contacts
    union all
    select
        merged_away.merged_contact_id,
        merged_away.survivor_contact_id,
        true as is_merged_away
    from merged_away
    where merged_away.merged_contact_id not in (select contacts.contact_id from contacts)
)

select
    merged_contact_id,
    survivor_contact_id,
    is_merged_away,
    'hubspot' as source_system
from mapped
