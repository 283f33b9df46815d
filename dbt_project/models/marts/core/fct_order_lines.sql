{#- Grain: one row per order line item. Line net sales = gross − discount − returns of that line
    (refunded subtotal, after discount, before tax). Shop currency (USD); test orders flagged. -#}
with lines as (
    select * from {{ ref('stg_shopify__order_lines') }}
),

orders as (
    select
        order_id,
        order_date,
        customer_id,
        is_test
    from {{ ref('stg_shopify__orders') }}
),

line_refunds as (
    select
        line_item_id,
        sum(quantity) as refunded_quantity,
        sum(refunded_subtotal) as sales_returns
    from {{ ref('stg_shopify__refund_lines') }}
    group by line_item_id
)

select
    lines.line_item_id,
    lines.order_id,
    lines.source_system,
    orders.order_date,
    orders.customer_id,
    orders.is_test,
    lines.product_id,
    lines.variant_id,
    lines.sku,
    lines.product_title,
    lines.quantity,
    lines.currency,
    lines.unit_price,
    lines.gross_sales,
    lines.discount as discounts,
    lines.presentment_currency,
    lines.unit_price_presentment,
    coalesce(line_refunds.refunded_quantity, 0) as refunded_quantity,
    coalesce(line_refunds.sales_returns, 0) as sales_returns,
    {{ net_sales('lines.gross_sales', 'lines.discount', 'coalesce(line_refunds.sales_returns, 0)') }} as net_sales
from lines
inner join orders on lines.order_id = orders.order_id
left join line_refunds on lines.line_item_id = line_refunds.line_item_id
