{#- Grain: one row per Shopify order. Net sales = gross − discounts − returns (no shipping, no tax). -#}
with orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

refunds as (
    select
        order_id,
        sum(refunded_subtotal) as sales_returns,
        sum(refunded_tax) as refunded_tax
    from {{ ref('stg_shopify__refund_lines') }}
    group by order_id
)

select
    orders.order_id,
    orders.order_number,
    orders.order_name,
    orders.source_system,
    orders.order_date,
    orders.created_at_utc,
    orders.updated_at_utc,
    orders.customer_id,
    orders.email_raw,
    orders.currency,
    orders.presentment_currency,
    orders.gross_sales,
    orders.discounts,
    orders.shipping,
    orders.tax,
    orders.total_price,
    orders.total_price_presentment,
    orders.financial_status,
    orders.is_test,
    orders.accepts_marketing,
    orders.landing_site,
    orders.referring_site,
    coalesce(refunds.sales_returns, 0) as sales_returns,
    coalesce(refunds.refunded_tax, 0) as refunded_tax,
    {{ net_sales('orders.gross_sales', 'orders.discounts', 'coalesce(refunds.sales_returns, 0)') }} as net_sales
from orders
left join refunds on orders.order_id = refunds.order_id
