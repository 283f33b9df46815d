{#- Grain: one row per shop-local day × presentment currency. Orders, gross sales, discounts, shipping
    and tax are booked on the order date; returns on the refund date (the day the money went back, as
    Shopify's finance reports do), so a closed day never changes when an old order is refunded later.
    net_sales = gross_sales − discounts − sales_returns (no shipping, no tax). Every amount twice: in shop
    currency (USD) and in the presentment currency the customer paid in. Test orders are excluded. -#}
with orders as (
    select
        order_date as date_day,
        presentment_currency,
        currency,
        count(*) as orders,
        sum(gross_sales) as gross_sales,
        sum(discounts) as discounts,
        sum(shipping) as shipping,
        sum(tax) as tax,
        sum(gross_sales_presentment) as gross_sales_presentment,
        sum(discounts_presentment) as discounts_presentment,
        sum(shipping_presentment) as shipping_presentment,
        sum(tax_presentment) as tax_presentment
    from {{ ref('stg_shopify__orders') }}
    where not is_test
    group by order_date, presentment_currency, currency
),

returns as (
    select
        refund_date as date_day,
        presentment_currency,
        currency,
        sum(sales_returns) as sales_returns,
        sum(sales_returns_presentment) as sales_returns_presentment
    from {{ ref('fct_refunds') }}
    where not is_test
    group by refund_date, presentment_currency, currency
),

keys as (
    select
        date_day,
        presentment_currency,
        currency
    from orders
    union
    select
        date_day,
        presentment_currency,
        currency
    from returns
),

combined as (
    select
        keys.date_day,
        keys.currency,
        keys.presentment_currency,
        coalesce(orders.orders, 0) as orders,
        coalesce(orders.gross_sales, 0) as gross_sales,
        coalesce(orders.discounts, 0) as discounts,
        coalesce(returns.sales_returns, 0) as sales_returns,
        coalesce(orders.shipping, 0) as shipping,
        coalesce(orders.tax, 0) as tax,
        coalesce(orders.gross_sales_presentment, 0) as gross_sales_presentment,
        coalesce(orders.discounts_presentment, 0) as discounts_presentment,
        coalesce(returns.sales_returns_presentment, 0) as sales_returns_presentment,
        coalesce(orders.shipping_presentment, 0) as shipping_presentment,
        coalesce(orders.tax_presentment, 0) as tax_presentment
    from keys
    left join orders
        on
            keys.date_day = orders.date_day
            and keys.presentment_currency = orders.presentment_currency
            and keys.currency = orders.currency
    left join returns
        on
            keys.date_day = returns.date_day
            and keys.presentment_currency = returns.presentment_currency
            and keys.currency = returns.currency
)

select
    date_day,
    currency,
    orders,
    gross_sales,
    discounts,
    sales_returns,
    {{ net_sales('gross_sales', 'discounts', 'sales_returns') }} as net_sales,
    shipping,
    tax,
    presentment_currency,
    gross_sales_presentment,
    discounts_presentment,
    sales_returns_presentment,
    {{ net_sales('gross_sales_presentment', 'discounts_presentment', 'sales_returns_presentment') }}
        as net_sales_presentment,
    shipping_presentment,
    tax_presentment
from combined
