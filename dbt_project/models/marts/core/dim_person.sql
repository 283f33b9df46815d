{#- Grain: one row per resolved person (person_key): a connected component of the identity graph.
    Marketing consent is carried from Shopify (accepts marketing on the person's latest order or
    account) and HubSpot (marketable and not opted out, latest contact); a person has consent when
    at least one source says yes and none says no. Internal and test persons are flagged, never merged. -#}
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

orders as (
    select
        order_persons.person_key,
        order_persons.is_test,
        orders.accepts_marketing,
        orders.created_at_utc
    from {{ ref('int_order_persons') }} as order_persons
    inner join {{ ref('stg_shopify__orders') }} as orders on order_persons.order_id = orders.order_id
),

shopify_consent as (
    select
        person_key,
        accepts_marketing,
        row_number() over (partition by person_key order by created_at_utc desc) as recency
    from (
        select
            person_key,
            accepts_marketing,
            created_at_utc
        from orders
        where not is_test
        union all
        select
            graph.person_key,
            customers.accepts_marketing,
            customers.updated_at_utc as created_at_utc
        from {{ ref('stg_shopify__customers') }} as customers
        inner join graph on 'shopify_customer_id:' || cast(customers.customer_id as varchar) = graph.identifier_node
    ) as consents
    where accepts_marketing is not null
),

hubspot_consent as (
    select
        graph.person_key,
        contacts.is_marketable and not coalesce(contacts.has_email_optout, false) as accepts_marketing,
        row_number() over (partition by graph.person_key order by contacts.last_modified_at_utc desc) as recency
    from {{ ref('stg_hubspot__contacts') }} as contacts
    inner join graph on 'hubspot_contact_id:' || cast(contacts.contact_id as varchar) = graph.identifier_node
    where contacts.is_marketable is not null
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
    from orders
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
    shopify_consent.accepts_marketing as shopify_accepts_marketing,
    hubspot_consent.accepts_marketing as hubspot_accepts_marketing,
    people.is_internal,
    people.is_oversized_component,
    destination_consent.hubspot_legal_basis,
    coalesce(shopify_consent.accepts_marketing, true)
    and coalesce(hubspot_consent.accepts_marketing, true)
    and coalesce(shopify_consent.accepts_marketing, hubspot_consent.accepts_marketing, false) as has_marketing_consent,
    people.has_test_identifier or test_people.person_key is not null as is_test,
    coalesce(destination_consent.email_marketing_consent, false) as email_marketing_consent,
    coalesce(destination_consent.ad_audience_consent, false) as ad_audience_consent
from people
left join shopify_consent on people.person_key = shopify_consent.person_key and shopify_consent.recency = 1
left join hubspot_consent on people.person_key = hubspot_consent.person_key and hubspot_consent.recency = 1
left join test_people on people.person_key = test_people.person_key
left join {{ ref('int_persons__consent') }} as destination_consent on people.person_key = destination_consent.person_key
