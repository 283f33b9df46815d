{#- Grain: one row per resolved person (person_key) that BrightCart can address: an email known from
    HubSpot or Shopify. The latest-modified active HubSpot contact supplies the contact id (what
    HubSpot lists hold) and is preferred for email and phone; otherwise the latest Shopify order or
    account. Email trimmed and lower-cased (what ad platforms hash), phone in E.164. -#}
with graph as (
    select * from {{ ref('int_identity_graph') }}
),

hubspot as (
    select
        graph.person_key,
        contacts.contact_id,
        contacts.email_trimmed_lower,
        contacts.phone_e164,
        contacts.country_code
    from {{ ref('stg_hubspot__contacts') }} as contacts
    inner join graph on 'hubspot_contact_id:' || cast(contacts.contact_id as varchar) = graph.identifier_node
    where
        not contacts.is_archived
        and contacts.email_raw is not null
    qualify row_number() over (
        partition by graph.person_key order by contacts.last_modified_at_utc desc, contacts.contact_id asc
    ) = 1
),

shopify as (
    select
        person_key,
        email_trimmed_lower,
        phone_e164
    from (
        select
            order_persons.person_key,
            {{ email_trimmed_lower('orders.email_raw') }} as email_trimmed_lower,
            {{ phone_e164('orders.phone_raw') }} as phone_e164,
            orders.created_at_utc as seen_at_utc
        from {{ ref('int_order_persons') }} as order_persons
        inner join {{ ref('stg_shopify__orders') }} as orders on order_persons.order_id = orders.order_id
        where
            not order_persons.is_test
            and orders.email_raw is not null
        union all
        select
            graph.person_key,
            {{ email_trimmed_lower('customers.email_raw') }} as email_trimmed_lower,
            {{ phone_e164('customers.phone_raw') }} as phone_e164,
            customers.updated_at_utc as seen_at_utc
        from {{ ref('stg_shopify__customers') }} as customers
        inner join graph on 'shopify_customer_id:' || cast(customers.customer_id as varchar) = graph.identifier_node
        where customers.email_raw is not null
    ) as seen
    qualify row_number() over (partition by person_key order by seen_at_utc desc, email_trimmed_lower asc) = 1
)

select
    hubspot.contact_id as hubspot_contact_id,
    hubspot.country_code,
    coalesce(hubspot.person_key, shopify.person_key) as person_key,
    coalesce(hubspot.email_trimmed_lower, shopify.email_trimmed_lower) as email_trimmed_lower,
    coalesce(hubspot.phone_e164, shopify.phone_e164) as phone_e164
from hubspot
full outer join shopify on hubspot.person_key = shopify.person_key
