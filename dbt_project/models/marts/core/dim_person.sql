{#- Grain: one row per resolved person (person_key): a connected component of the identity graph.
    Consent per source and per destination comes from int_persons__consent, its one definition.
    Internal and test persons are flagged, never merged. -#}
with graph as (
    select * from {{ ref('int_identity_graph') }}
),

identifiers as (
    select * from {{ ref('int_identifiers') }}
),

nodes as (
    select
        graph.person_key,
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.source_system,
        identifiers.first_seen_at_utc,
        identifiers.last_seen_at_utc,
        identifiers.exclusion_category,
        graph.is_oversized_component
    from graph
    inner join identifiers on graph.identifier_node = identifiers.identifier_node
),

people as (
    select
        person_key,
        min(case when identifier_type = 'email' then identifier_value end) as email_canonical,
        min(first_seen_at_utc) as first_seen_at_utc,
        max(last_seen_at_utc) as last_seen_at_utc,
        count(distinct identifier_type || ':' || identifier_value) as identifiers,
        count(distinct case when identifier_type = 'client_id' then identifier_value end) as client_ids,
        count(distinct case when identifier_type = 'shopify_customer_id' then identifier_value end)
            as shopify_customer_ids,
        count(distinct case when identifier_type = 'hubspot_contact_id' then identifier_value end)
            as hubspot_contact_ids,
        max(case when exclusion_category = 'internal' then 1 else 0 end) = 1
            as is_internal,
        max(case when exclusion_category = 'test' then 1 else 0 end) = 1 as has_test_identifier,
        max(case when is_oversized_component then 1 else 0 end) = 1 as is_oversized_component
    from nodes
    group by person_key
),

test_people as (
    select distinct person_key
    from {{ ref('int_order_persons') }}
    where is_test
)

select
    people.person_key,
    people.email_canonical,
    people.first_seen_at_utc,
    cast(people.first_seen_at_utc as date) as first_seen_date_utc,
    people.last_seen_at_utc,
    people.identifiers,
    people.client_ids,
    people.shopify_customer_ids,
    people.hubspot_contact_ids,
    consent.shopify_email_consent as shopify_accepts_marketing,
    consent.hubspot_email_consent as hubspot_accepts_marketing,
    people.is_internal,
    people.is_oversized_component,
    consent.hubspot_legal_basis,
    people.has_test_identifier or test_people.person_key is not null as is_test,
    coalesce(consent.email_marketing_consent, false) as email_marketing_consent,
    coalesce(consent.ad_audience_consent, false) as ad_audience_consent
from people
left join test_people on people.person_key = test_people.person_key
left join {{ ref('int_persons__consent') }} as consent on people.person_key = consent.person_key
