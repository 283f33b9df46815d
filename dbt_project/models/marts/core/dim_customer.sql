{#- Grain: one row per Shopify customer account (customer_id) with the person it resolves to, its first
    order date and whether it is a new or returning customer: 'returning' when the resolved person
    placed more than one non-test order (guest checkouts and other accounts of the person included),
    'new' with exactly one, 'no orders' otherwise. -#}
with customers as (
    select * from {{ ref('stg_shopify__customers') }}
),

graph as (
    select * from {{ ref('int_identity_graph') }}
),

order_persons as (
    select * from {{ ref('int_order_persons') }}
    where not is_test
),

account_orders as (
    select
        customer_id,
        min(order_date) as first_order_date,
        count(*) as orders
    from order_persons
    where customer_id is not null
    group by customer_id
),

person_orders as (
    select
        person_key,
        min(order_date) as person_first_order_date,
        count(*) as person_orders
    from order_persons
    group by person_key
)

select
    customers.customer_id,
    customers.source_system,
    graph.person_key,
    customers.email_raw,
    {{ email_trimmed_lower('customers.email_raw') }} as email_trimmed_lower,
    {{ email_canonical('customers.email_raw') }} as email_canonical,
    customers.created_at_utc,
    customers.created_date,
    customers.accepts_marketing,
    account_orders.first_order_date,
    coalesce(account_orders.orders, 0) as orders,
    person_orders.person_first_order_date,
    coalesce(person_orders.person_orders, 0) as person_orders,
    case
        when coalesce(person_orders.person_orders, 0) = 0 then 'no orders'
        when person_orders.person_orders = 1 then 'new'
        else 'returning'
    end as customer_status
from customers
left join graph on 'shopify_customer_id:' || cast(customers.customer_id as varchar) = graph.identifier_node
left join account_orders on customers.customer_id = account_orders.customer_id
left join person_orders on graph.person_key = person_orders.person_key
