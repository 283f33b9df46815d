{#- Grain: one row per calendar day, from the earliest to the latest day in the loaded data (orders in
    the shop's timezone, ad metrics in each account's timezone, refunds), so joins never miss a day. -#}
with bounds as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from (
        select order_date as date_day from {{ ref('stg_shopify__orders') }}
        union all
        select date_day from {{ ref('stg_google_ads__campaign_metrics_daily') }}
        union all
        select date_day from {{ ref('stg_meta_ads__ad_insights_daily') }}
        union all
        select refund_date as date_day from {{ ref('stg_shopify__refund_lines') }}
    ) as data_days
),

spine as (
    {{ day_spine('(select first_day from bounds)', '(select last_day from bounds)') }}
)

select
    date_day,
    extract(year from date_day) as year_number,
    extract(month from date_day) as month_number,
    extract(day from date_day) as day_of_month,
    {{ iso_day_of_week('date_day') }} as iso_day_of_week,
    cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
    cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start_date,
    {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend
from spine
