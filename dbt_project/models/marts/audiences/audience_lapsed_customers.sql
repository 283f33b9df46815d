{#- Grain: one row per person (person_key). Customers whose latest non-test order placed by the
    evaluation time is more than lapsed_customer_days old. -#}
with evaluation as (
    select {{ audiences_as_of() }} as evaluated_at_utc
),

last_orders as (
    select
        orders.person_key,
        max(orders.created_at_utc) as last_order_at_utc
    from {{ ref('int_order_persons') }} as orders
    cross join evaluation
    where
        not orders.is_test
        and orders.created_at_utc <= evaluation.evaluated_at_utc
    group by orders.person_key
)

select
    eligible.person_key,
    last_orders.last_order_at_utc,
    evaluation.evaluated_at_utc
from last_orders
inner join {{ ref('int_audiences__eligible_persons') }} as eligible on last_orders.person_key = eligible.person_key
cross join evaluation
where
    last_orders.last_order_at_utc
    < {{ dbt.dateadd('day', -var('lapsed_customer_days'), 'evaluation.evaluated_at_utc') }}
