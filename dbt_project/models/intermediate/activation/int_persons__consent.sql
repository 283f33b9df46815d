{#- Grain: one row per resolved person (person_key) with any consent signal. Marketing consent per
    source and per destination:
    - Shopify: the latest of the person's account (email_marketing_consent state, else
      accepts_marketing) and non-test orders (buyer_accepts_marketing);
    - HubSpot: the latest-modified contact, marketable and not opted out of email, and its legal basis.
    Email marketing (the HubSpot destination) needs one source saying yes and none saying no; ad-platform
    audiences (Meta) need that and HubSpot's legal basis to be freely given consent. -#}
with graph as (
    select * from {{ ref('int_identity_graph') }}
),

shopify_signals as (
    select
        order_persons.person_key,
        orders.accepts_marketing,
        orders.created_at_utc as signalled_at_utc
    from {{ ref('int_order_persons') }} as order_persons
    inner join {{ ref('stg_shopify__orders') }} as orders on order_persons.order_id = orders.order_id
    where not order_persons.is_test
    union all
    select
        graph.person_key,
        case
            when customers.email_marketing_consent is not null
                then customers.email_marketing_consent = 'subscribed'
            else customers.accepts_marketing
        end as accepts_marketing,
        customers.updated_at_utc as signalled_at_utc
    from {{ ref('stg_shopify__customers') }} as customers
    inner join graph on 'shopify_customer_id:' || cast(customers.customer_id as varchar) = graph.identifier_node
),

shopify_latest as (
    select
        person_key,
        accepts_marketing
    from shopify_signals
    where accepts_marketing is not null
    qualify row_number() over (partition by person_key order by signalled_at_utc desc, accepts_marketing asc) = 1
),

hubspot_latest as (
    select
        graph.person_key,
        contacts.legal_basis,
        contacts.is_marketable and not coalesce(contacts.has_email_optout, false) as accepts_marketing
    from {{ ref('stg_hubspot__contacts') }} as contacts
    inner join graph on 'hubspot_contact_id:' || cast(contacts.contact_id as varchar) = graph.identifier_node
    where
        contacts.is_marketable is not null
        and not contacts.is_archived
    qualify row_number() over (
        partition by graph.person_key order by contacts.last_modified_at_utc desc, contacts.contact_id asc
    ) = 1
),

persons as (
    select person_key from shopify_latest
    union
    select person_key from hubspot_latest
),

combined as (
    select
        persons.person_key,
        shopify_latest.accepts_marketing as shopify_email_consent,
        hubspot_latest.accepts_marketing as hubspot_email_consent,
        hubspot_latest.legal_basis as hubspot_legal_basis,
        coalesce(shopify_latest.accepts_marketing, true)
        and coalesce(hubspot_latest.accepts_marketing, true)
        and coalesce(shopify_latest.accepts_marketing, hubspot_latest.accepts_marketing, false)
            as email_marketing_consent
    from persons
    left join shopify_latest on persons.person_key = shopify_latest.person_key
    left join hubspot_latest on persons.person_key = hubspot_latest.person_key
)

select
    person_key,
    shopify_email_consent,
    hubspot_email_consent,
    hubspot_legal_basis,
    email_marketing_consent,
    email_marketing_consent
    and coalesce(hubspot_legal_basis = 'Freely given consent from contact', false) as ad_audience_consent
from combined
