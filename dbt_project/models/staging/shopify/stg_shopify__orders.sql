{%- set orders = source('raw_shopify', 'orders') -%}

with source as (
    select * from {{ orders }}
),

renamed as (
    select
        id as order_id,
        order_number,
        name as order_name,
        'shopify' as source_system,
        email as email_raw,
        {{ source_column(orders, 'customer__id', 'bigint') }} as customer_id,
        {{ source_column(orders, 'phone', 'varchar') }} as phone_raw,
        {{ to_local_timestamp('created_at', 'UTC') }} as created_at_utc,
        {{ to_local_timestamp('updated_at', 'UTC') }} as updated_at_utc,
        cast({{ to_local_timestamp('created_at', var('shop_timezone')) }} as date) as order_date,
        currency,
        presentment_currency,
        {{ money('total_line_items_price') }} as gross_sales,
        {{ money('total_discounts') }} as discounts,
        {{ money('subtotal_price') }} as subtotal,
        {{ money(json_text('total_shipping_price_set__shop_money', 'amount')) }} as shipping,
        {{ money('total_tax') }} as tax,
        {{ money('total_price') }} as total_price,
        {{ money(json_text('total_price_set__presentment_money', 'amount')) }} as total_price_presentment,
        {{ money(json_text('total_line_items_price_set__presentment_money', 'amount')) }} as gross_sales_presentment,
        {{ money(json_text('total_discounts_set__presentment_money', 'amount')) }} as discounts_presentment,
        {{ money(json_text('total_shipping_price_set__presentment_money', 'amount')) }} as shipping_presentment,
        {{ money(json_text('total_tax_set__presentment_money', 'amount')) }} as tax_presentment,
        financial_status,
        {{ source_column(orders, 'fulfillment_status', 'varchar') }} as fulfillment_status,
        test as is_test,
        buyer_accepts_marketing as accepts_marketing,
        {{ source_column(orders, 'landing_site', 'varchar') }} as landing_site,
        {{ source_column(orders, 'referring_site', 'varchar') }} as referring_site,
        _lake_file as lake_file
    from source
)

select * from renamed
