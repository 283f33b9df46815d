{#- Grain: one row per person (person_key) an audience may hold: addressable (int_persons__contact_points),
    not BrightCart staff, not a QA/test account, not an unmerged oversized component. Consent is not
    applied here: audiences describe behaviour, the sync applies each destination's consent. -#}
select
    persons.person_key,
    contact_points.hubspot_contact_id,
    contact_points.email_trimmed_lower,
    contact_points.phone_e164,
    contact_points.country_code
from {{ ref('dim_person') }} as persons
inner join {{ ref('int_persons__contact_points') }} as contact_points
    on persons.person_key = contact_points.person_key
where
    not persons.is_internal
    and not persons.is_test
    and not persons.is_oversized_component
