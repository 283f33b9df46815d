{#- Grain: one row per person (person_key). Customers in the top high_ltv_top_share of their cohort
    (month of the person's first non-test order, shop timezone) by LTV so far: net sales of their
    non-test orders placed by the evaluation time. Ties are kept together: a person is in when fewer
    than that share of the cohort has a strictly higher LTV. -#}
with evaluation as (
    select {{ audiences_as_of() }} as evaluated_at_utc
),

customer_orders as (
    select
        order_persons.person_key,
        orders.order_date,
        orders.net_sales,
        orders.currency
    from {{ ref('int_order_persons') }} as order_persons
    inner join {{ ref('fct_orders') }} as orders on order_persons.order_id = orders.order_id
    cross join evaluation
    where
        not order_persons.is_test
        and order_persons.created_at_utc <= evaluation.evaluated_at_utc
),

customers as (
    select
        person_key,
        {{ dbt.date_trunc('month', 'min(order_date)') }} as cohort_month,
        sum(net_sales) as ltv_so_far,
        max(currency) as currency
    from customer_orders
    group by person_key
),

ranked as (
    select
        person_key,
        cohort_month,
        ltv_so_far,
        currency,
        rank() over (partition by cohort_month order by ltv_so_far desc) - 1 as customers_above,
        count(*) over (partition by cohort_month) as cohort_customers
    from customers
)

select
    eligible.person_key,
    ranked.cohort_month,
    ranked.ltv_so_far,
    ranked.currency,
    ranked.cohort_customers,
    evaluation.evaluated_at_utc
from ranked
inner join {{ ref('int_audiences__eligible_persons') }} as eligible on ranked.person_key = eligible.person_key
cross join evaluation
where ranked.customers_above < {{ var('high_ltv_top_share') }} * ranked.cohort_customers
