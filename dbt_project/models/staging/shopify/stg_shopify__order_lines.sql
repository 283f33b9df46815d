{#- Grain: one row per order line item (line_item_id); line items arrive as a JSON array on the order.
    gross = price × quantity, discount = the line's allocated discount, both in shop currency;
    the presentment price is what the customer saw, in the order's presentment currency. -#}
with orders as (
    select
        id as order_id,
        currency,
        presentment_currency,
        line_items
    from {{ source('raw_shopify', 'orders') }}
    where line_items is not null
),

lines as (
    select
        orders.order_id,
        orders.currency,
        orders.presentment_currency,
        cast({{ json_element_text('line_item', 'id') }} as bigint) as line_item_id,
        cast({{ json_element_text('line_item', 'product_id') }} as bigint) as product_id,
        cast({{ json_element_text('line_item', 'variant_id') }} as bigint) as variant_id,
        {{ json_element_text('line_item', 'sku') }} as sku,
        {{ json_element_text('line_item', 'title') }} as product_title,
        cast({{ json_element_text('line_item', 'quantity') }} as integer) as quantity,
        {{ money(json_element_text('line_item', 'price')) }} as unit_price,
        {{ money(json_element_text('line_item', 'total_discount')) }} as discount,
        {{ money(json_element_text('line_item', 'price_set.presentment_money.amount')) }} as unit_price_presentment
    from orders
    {{ json_array_rows('orders.line_items', 'line_item') }}
)

select
    line_item_id,
    order_id,
    'shopify' as source_system,
    product_id,
    variant_id,
    sku,
    product_title,
    quantity,
    currency,
    unit_price,
    cast(unit_price * quantity as decimal(18, 2)) as gross_sales,
    discount,
    cast(unit_price * quantity - discount as decimal(18, 2)) as net_of_discount,
    presentment_currency,
    unit_price_presentment
from lines
