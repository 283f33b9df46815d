{#- Grain: one row per sighting of an identifier in a source record (not unique): the raw material of
    int_identifiers and int_identity_edges. `record_key` names the record (session, order, customer,
    contact) so identifiers seen together can be paired. Values are normalised (emails canonical,
    phones E.164, ids as text). -#}
with sessions as (
    select * from {{ ref('int_web__sessions') }}
),

orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

customers as (
    select * from {{ ref('stg_shopify__customers') }}
),

contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

purchases as (
    select distinct
        user_pseudo_id,
        ga_session_id,
        transaction_id,
        event_at_utc
    from {{ ref('stg_ga4__events') }}
    where event_name = 'purchase' and transaction_id is not null
),

order_landing as (
    select
        order_id,
        created_at_utc,
        {{ url_parameter('landing_site', 'gclid') }} as gclid,
        {{ url_parameter('landing_site', 'fbclid') }} as fbclid
    from orders
),

observations as (
    -- GA4 sessions: the browser, the logged-in user and the click the visit landed with
    select
        'ga4' as source_system,
        'session:' || session_key as record_key,
        'client_id' as identifier_type,
        user_pseudo_id as identifier_value,
        session_started_at_utc as seen_at_utc,
        is_internal_traffic
    from sessions
    union all
    select
        'ga4' as source_system,
        'session:' || session_key as record_key,
        'user_id' as identifier_type,
        user_id as identifier_value,
        session_started_at_utc as seen_at_utc,
        is_internal_traffic
    from sessions
    where user_id is not null
    union all
    select
        'ga4' as source_system,
        'session:' || session_key as record_key,
        'gclid' as identifier_type,
        gclid as identifier_value,
        session_started_at_utc as seen_at_utc,
        is_internal_traffic
    from sessions
    where gclid is not null
    union all
    select
        'ga4' as source_system,
        'session:' || session_key as record_key,
        'fbclid' as identifier_type,
        fbclid as identifier_value,
        session_started_at_utc as seen_at_utc,
        is_internal_traffic
    from sessions
    where fbclid is not null
    union all
    -- GA4 purchases: the browser that bought and the Shopify order whose number it reported
    select
        'ga4' as source_system,
        'purchase:' || transaction_id as record_key,
        'client_id' as identifier_type,
        user_pseudo_id as identifier_value,
        event_at_utc as seen_at_utc,
        false as is_internal_traffic
    from purchases
    union all
    select
        'ga4' as source_system,
        'purchase:' || purchases.transaction_id as record_key,
        'shopify_order_id' as identifier_type,
        cast(orders.order_id as varchar) as identifier_value,
        purchases.event_at_utc as seen_at_utc,
        false as is_internal_traffic
    from purchases
    inner join orders on purchases.transaction_id = cast(orders.order_number as varchar)
    union all
    -- Shopify orders: the order, its email, customer account, phone and landing click
    select
        'shopify' as source_system,
        'order:' || cast(order_id as varchar) as record_key,
        'shopify_order_id' as identifier_type,
        cast(order_id as varchar) as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from orders
    union all
    select
        'shopify' as source_system,
        'order:' || cast(order_id as varchar) as record_key,
        'email' as identifier_type,
        {{ email_canonical('email_raw') }} as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from orders
    where {{ email_canonical('email_raw') }} is not null
    union all
    select
        'shopify' as source_system,
        'order:' || cast(order_id as varchar) as record_key,
        'shopify_customer_id' as identifier_type,
        cast(customer_id as varchar) as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from orders
    where customer_id is not null
    union all
    select
        'shopify' as source_system,
        'order:' || cast(order_id as varchar) as record_key,
        'phone' as identifier_type,
        {{ phone_e164('phone_raw') }} as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from orders
    where {{ phone_e164('phone_raw') }} is not null
    union all
    select
        'shopify' as source_system,
        'order:' || cast(order_id as varchar) as record_key,
        'gclid' as identifier_type,
        gclid as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from order_landing
    where gclid is not null
    union all
    select
        'shopify' as source_system,
        'order:' || cast(order_id as varchar) as record_key,
        'fbclid' as identifier_type,
        fbclid as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from order_landing
    where fbclid is not null
    union all
    -- Shopify accounts: the account, its email and phone; BrightCart's GA4 user_id is the account id
    select
        'shopify' as source_system,
        'customer:' || cast(customer_id as varchar) as record_key,
        'shopify_customer_id' as identifier_type,
        cast(customer_id as varchar) as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from customers
    union all
    select
        'shopify' as source_system,
        'customer:' || cast(customer_id as varchar) as record_key,
        'user_id' as identifier_type,
        cast(customer_id as varchar) as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from customers
    union all
    select
        'shopify' as source_system,
        'customer:' || cast(customer_id as varchar) as record_key,
        'email' as identifier_type,
        {{ email_canonical('email_raw') }} as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from customers
    where {{ email_canonical('email_raw') }} is not null
    union all
    select
        'shopify' as source_system,
        'customer:' || cast(customer_id as varchar) as record_key,
        'phone' as identifier_type,
        {{ phone_e164('phone_raw') }} as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from customers
    where {{ phone_e164('phone_raw') }} is not null
    union all
    -- HubSpot contacts: the contact, its email and phone, and the contacts merged into it
    select
        'hubspot' as source_system,
        'contact:' || cast(contact_id as varchar) as record_key,
        'hubspot_contact_id' as identifier_type,
        cast(contact_id as varchar) as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from contacts
    union all
    select
        'hubspot' as source_system,
        'contact:' || cast(contact_id as varchar) as record_key,
        'email' as identifier_type,
        email_canonical as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from contacts
    where email_canonical is not null
    union all
    select
        'hubspot' as source_system,
        'contact:' || cast(contact_id as varchar) as record_key,
        'phone' as identifier_type,
        phone_e164 as identifier_value,
        created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from contacts
    where phone_e164 is not null
    union all
    select
        'hubspot' as source_system,
        'contact:' || cast(contact_merges.survivor_contact_id as varchar) as record_key,
        'hubspot_contact_id' as identifier_type,
        cast(contact_merges.merged_contact_id as varchar) as identifier_value,
        contacts.created_at_utc as seen_at_utc,
        false as is_internal_traffic
    from {{ ref('int_crm__contact_merges') }} as contact_merges
    inner join contacts on contact_merges.survivor_contact_id = contacts.contact_id
    where contact_merges.is_merged_away
)

select
    source_system,
    record_key,
    identifier_type,
    identifier_value,
    seen_at_utc,
    is_internal_traffic,
    identifier_type || ':' || identifier_value as identifier_node
from observations
