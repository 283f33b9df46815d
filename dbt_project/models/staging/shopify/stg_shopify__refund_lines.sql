{#- One row per refunded line item; refunds arrive nested inside the order record. -#}
with orders as (
    select
        id as order_id,
        refunds
    from {{ source('raw_shopify', 'orders') }}
    where refunds is not null
),

refund_lines as (
    select
        orders.order_id,
        cast({{ json_element_text('refund', 'id') }} as bigint) as refund_id,
        {{ json_element_text('refund', 'created_at') }} as refund_created_at_text,
        cast({{ json_element_text('refund_line', 'id') }} as bigint) as refund_line_item_id,
        cast({{ json_element_text('refund_line', 'line_item_id') }} as bigint) as line_item_id,
        cast({{ json_element_text('refund_line', 'quantity') }} as integer) as quantity,
        {{ money(json_element_text('refund_line', 'subtotal')) }} as refunded_subtotal,
        {{ money(json_element_text('refund_line', 'total_tax')) }} as refunded_tax,
        {{ money(json_element_text('refund_line', 'subtotal_set.presentment_money.amount')) }}
            as refunded_subtotal_presentment,
        {{ json_element_text('refund_line', 'subtotal_set.presentment_money.currency_code') }} as presentment_currency
    from orders
    {{ json_array_rows('orders.refunds', 'refund') }}
    {{ json_array_rows(json_get(json_element('refund'), 'refund_line_items'), 'refund_line') }}
)

select
    order_id,
    refund_id,
    refund_line_item_id,
    line_item_id,
    {{ to_local_timestamp("cast(refund_created_at_text as timestamp with time zone)", "UTC") }} as refunded_at_utc,
    cast(
        {{ to_local_timestamp("cast(refund_created_at_text as timestamp with time zone)", var('shop_timezone')) }}
        as date
    ) as refund_date,
    quantity,
    refunded_subtotal,
    refunded_tax,
    '{{ var("shop_currency") }}' as currency,
    refunded_subtotal_presentment,
    presentment_currency
from refund_lines
