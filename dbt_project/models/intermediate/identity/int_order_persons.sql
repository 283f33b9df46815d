{#- Grain: one row per Shopify order with the person it resolves to, and whether it is that person's
    first non-test order (DESIGN.md: a new customer is the first order of the resolved person). -#}
with orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

graph as (
    select * from {{ ref('int_identity_graph') }}
),

resolved as (
    select
        orders.order_id,
        orders.order_date,
        orders.created_at_utc,
        orders.customer_id,
        orders.is_test,
        graph.person_key
    from orders
    inner join graph on 'shopify_order_id:' || cast(orders.order_id as varchar) = graph.identifier_node
)

select
    order_id,
    person_key,
    order_date,
    created_at_utc,
    customer_id,
    is_test,
    case
        when is_test then null
        else row_number() over (
            partition by person_key, is_test order by created_at_utc, order_id
        )
    end as person_order_number,
    not is_test and row_number() over (
        partition by person_key, is_test order by created_at_utc, order_id
    ) = 1 as is_first_order_of_person
from resolved
