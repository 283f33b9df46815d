{#- Grain: one row per cohort month × months since first order (cohort_month, months_since_first_order).
    A cohort is the people whose first non-test order (resolved person, guest checkouts included) fell in
    the shop-local month; every cohort has a row for each month from its first to the month of the latest
    order loaded, so a month without orders shows zero instead of disappearing. Net sales are the
    orders' own (returns counted against the order, as of the last load), booked in the order's month.
    Cohort CAC = ad spend (USD, ad accounts' reporting days) in the cohort month ÷ the cohort's customers;
    CAC payback = the first months_since_first_order whose cumulative net sales per customer reach it. -#}
with orders as (
    select
        person_key,
        net_sales,
        cast({{ dbt.date_trunc('month', 'person_first_order_date') }} as date) as cohort_month,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as order_month
    from {{ ref('fct_orders') }}
    where not is_test and person_key is not null
),

cohorts as (
    select
        cohort_month,
        count(distinct person_key) as cohort_customers
    from orders
    group by cohort_month
),

months as (
    select date_day as calendar_month
    from ({{ day_spine('(select min(cohort_month) from orders)', '(select max(order_month) from orders)') }}) as spine
    where extract(day from date_day) = 1
),

cohort_months as (
    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        months.calendar_month,
        cast(
            12 * (extract(year from months.calendar_month) - extract(year from cohorts.cohort_month))
            + extract(month from months.calendar_month) - extract(month from cohorts.cohort_month) as integer
        ) as months_since_first_order
    from cohorts
    inner join months on cohorts.cohort_month <= months.calendar_month
),

activity as (
    select
        cohort_month,
        order_month,
        count(distinct person_key) as active_customers,
        count(*) as orders,
        sum(net_sales) as net_sales
    from orders
    group by cohort_month, order_month
),

monthly_spend as (
    select
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as spend_month,
        sum(spend_reporting) as spend_reporting
    from {{ ref('fct_campaign_performance_daily') }}
    group by cast({{ dbt.date_trunc('month', 'date_day') }} as date)
),

cumulative as (
    select
        cohort_months.cohort_month,
        cohort_months.months_since_first_order,
        cohort_months.calendar_month,
        cohort_months.cohort_customers,
        monthly_spend.spend_reporting as cohort_spend_reporting,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.orders, 0) as orders,
        coalesce(activity.net_sales, 0) as net_sales,
        sum(coalesce(activity.net_sales, 0)) over (
            partition by cohort_months.cohort_month
            order by cohort_months.months_since_first_order
            rows between unbounded preceding and current row
        ) as cumulative_net_sales
    from cohort_months
    left join activity
        on
            cohort_months.cohort_month = activity.cohort_month
            and cohort_months.calendar_month = activity.order_month
    left join monthly_spend on cohort_months.cohort_month = monthly_spend.spend_month
),

measured as (
    select
        cumulative.*,
        cumulative.cumulative_net_sales / cumulative.cohort_customers as ltv,
        cumulative.cohort_spend_reporting / cumulative.cohort_customers as cohort_cac
    from cumulative
)

select
    cohort_month,
    months_since_first_order,
    calendar_month,
    cohort_customers,
    active_customers,
    cast(active_customers as double) / cohort_customers as retention_rate,
    orders,
    '{{ var("reporting_currency") }}' as reporting_currency,
    cast(net_sales as decimal(18, 2)) as net_sales,
    cast(cumulative_net_sales as decimal(18, 2)) as cumulative_net_sales,
    ltv,
    cast(coalesce(cohort_spend_reporting, 0) as decimal(18, 6)) as cohort_spend_reporting,
    coalesce(cohort_cac, 0) as cohort_cac,
    ltv >= coalesce(cohort_cac, 0) as is_paid_back,
    min(case when ltv >= coalesce(cohort_cac, 0) then months_since_first_order end)
        over (partition by cohort_month) as cac_payback_months
from measured
