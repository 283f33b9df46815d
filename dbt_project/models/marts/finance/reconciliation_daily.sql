{#- Grain: one row per day × source system × account × metric. Warehouse-side totals next to an
    internal cross-check (Google: ad-level spend vs campaign-level spend of record; the gap is Performance
    Max) and a source_reported_value column: what the vendor's own totals endpoint says (Shopify orders
    count, account-level spend). dbt cannot call APIs; a Python asset fills those later (see DECISIONLOG,
    "reconciliation contract"); until then it is NULL and status says 'not_reported'. Days are the
    source's reporting days (shop timezone for Shopify, account timezone for ads). -#}
with google_ad_level as (
    select
        date_day,
        account_id,
        sum(spend_micros) as spend_micros
    from {{ ref('fct_ad_performance_daily') }}
    where platform = 'google_ads'
    group by date_day, account_id
),

ad_spend as (
    select
        spend.date_day,
        spend.platform as source_system,
        spend.account_id,
        'spend_micros' as metric,
        spend.account_currency as unit,
        cast(spend.spend_micros as decimal(38, 6)) as warehouse_value,
        cast(google_ad_level.spend_micros as decimal(38, 6)) as warehouse_detail_value
    from {{ ref('finance_spend_daily') }} as spend
    left join google_ad_level
        on
            spend.platform = 'google_ads'
            and spend.date_day = google_ad_level.date_day
            and spend.account_id = google_ad_level.account_id
),

shopify_orders as (
    select
        order_date as date_day,
        'shopify' as source_system,
        '' as account_id,
        'orders_count' as metric,
        'orders' as unit,
        cast(count(*) as decimal(38, 6)) as warehouse_value,
        cast(sum(case when not is_test then 1 else 0 end) as decimal(38, 6)) as warehouse_detail_value
    from {{ ref('fct_orders') }}
    group by order_date
),

checks as (
    select * from ad_spend
    union all
    select * from shopify_orders
)

select
    date_day,
    source_system,
    account_id,
    metric,
    unit,
    warehouse_value,
    warehouse_detail_value,
    cast(null as decimal(38, 6)) as source_reported_value,
    cast(null as decimal(38, 6)) as difference,
    'not_reported' as status
from checks
