{%- set campaigns = source('raw_meta_ads', 'campaigns') -%}
{#- Grain: one row per campaign (latest state). Account ids are kept without Meta's `act_` prefix, the
    form insights rows use. -#}
with source as (
    select * from {{ campaigns }}
),

renamed as (
    select
        'meta_ads' as platform,
        replace(account_id, 'act_', '') as account_id,
        id as campaign_id,
        name as campaign_name,
        objective,
        status as campaign_status,
        effective_status,
        {{ source_column(campaigns, 'buying_type', 'varchar') }} as buying_type,
        cast({{ source_column(campaigns, 'daily_budget', 'varchar') }} as bigint) as daily_budget_minor_units,
        {{ to_local_timestamp('created_time', 'UTC') }} as created_at_utc,
        {{ to_local_timestamp('updated_time', 'UTC') }} as updated_at_utc,
        _lake_file as lake_file
    from source
)

select * from renamed
