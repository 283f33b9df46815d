{#- Grain: one row per Shopify order. Net sales = gross − discounts − returns (no shipping, no tax).
    New vs returning is decided per resolved person (identity graph), so guest checkouts and a person's
    several accounts count as one customer; test orders are neither. -#}
with orders as (
    select * from {{ ref('stg_shopify__orders') }}
),

order_persons as (
    select
        order_id,
        person_key,
        is_test,
        person_order_number,
        is_first_order_of_person,
        min(case when not is_test then order_date end) over (partition by person_key) as person_first_order_date
    from {{ ref('int_order_persons') }}
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
    {{ net_sales('orders.gross_sales', 'orders.discounts', 'coalesce(refunds.sales_returns, 0)') }} as net_sales,
    order_persons.person_key,
    order_persons.person_order_number,
    coalesce(order_persons.is_first_order_of_person, false) as is_first_order,
    case
        when orders.is_test then null
        when order_persons.is_first_order_of_person then 'new'
        else 'returning'
    end as customer_type,
    case when not orders.is_test then order_persons.person_first_order_date end as person_first_order_date
from orders
left join refunds on orders.order_id = refunds.order_id
left join order_persons on orders.order_id = order_persons.order_id
