{%- set customers = source('raw_shopify', 'customers') -%}
{#- Grain: one row per Shopify customer account (the raw table is merged on id: latest version). -#}
with source as (
    select * from {{ customers }}
),

renamed as (
    select
        id as customer_id,
        'shopify' as source_system,
        email as email_raw,
        {{ source_column(customers, 'phone', 'varchar') }} as phone_raw,
        {{ source_column(customers, 'first_name', 'varchar') }} as first_name,
        {{ source_column(customers, 'last_name', 'varchar') }} as last_name,
        {{ source_column(customers, 'default_address__country_code', 'varchar') }} as country_code,
        {{ to_local_timestamp('created_at', 'UTC') }} as created_at_utc,
        {{ to_local_timestamp('updated_at', 'UTC') }} as updated_at_utc,
        cast({{ to_local_timestamp('created_at', var('shop_timezone')) }} as date) as created_date,
        {{ source_column(customers, 'state', 'varchar') }} as account_state,
        {{ source_column(customers, 'verified_email', 'boolean') }} as is_email_verified,
        {{ source_column(customers, 'accepts_marketing', 'boolean') }} as accepts_marketing,
        {{ source_column(customers, 'email_marketing_consent__state', 'varchar') }} as email_marketing_consent,
        {{ source_column(customers, 'tags', 'varchar') }} as tags,
        currency,
        {{ source_column(customers, 'orders_count', 'bigint') }} as orders_count,
        {{ money(source_column(customers, 'total_spent', 'varchar')) }} as total_spent,
        _lake_file as lake_file
    from source
)

select * from renamed
