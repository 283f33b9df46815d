{#- Grain: one row per refund line item. refund_date is the shop-local day the refund was issued
    (finance books returns on that day); the original order's date and test flag are carried. -#}
with refund_lines as (
    select * from {{ ref('stg_shopify__refund_lines') }}
),

orders as (
    select
        order_id,
        order_date,
        customer_id,
        is_test
    from {{ ref('stg_shopify__orders') }}
)

select
    refund_lines.refund_line_item_id,
    refund_lines.refund_id,
    refund_lines.order_id,
    refund_lines.line_item_id,
    'shopify' as source_system,
    refund_lines.refunded_at_utc,
    refund_lines.refund_date,
    orders.order_date,
    orders.customer_id,
    orders.is_test,
    refund_lines.quantity,
    refund_lines.currency,
    refund_lines.refunded_subtotal as sales_returns,
    refund_lines.refunded_tax,
    refund_lines.presentment_currency,
    refund_lines.refunded_subtotal_presentment as sales_returns_presentment
from refund_lines
inner join orders on refund_lines.order_id = orders.order_id
