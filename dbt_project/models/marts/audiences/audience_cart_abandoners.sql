{#- Grain: one row per person (person_key). Added to cart between cart_abandonment_max_hours and
    cart_abandonment_min_minutes before the evaluation time (GA4 add_to_cart, non-internal sessions)
    and placed no non-test order from that cart until the evaluation time. -#}
with evaluation as (
    select {{ audiences_as_of() }} as evaluated_at_utc
),

carts as (
    select
        sessions.person_key,
        events.event_at_utc as carted_at_utc
    from {{ ref('stg_ga4__events') }} as events
    inner join {{ ref('fct_sessions') }} as sessions
        on
            events.user_pseudo_id = sessions.user_pseudo_id
            and events.ga_session_id = sessions.ga_session_id
    cross join evaluation
    where
        events.event_name = 'add_to_cart'
        and not sessions.is_internal_traffic
        and events.event_at_utc
        >= {{ dbt.dateadd('hour', -var('cart_abandonment_max_hours'), 'evaluation.evaluated_at_utc') }}
        and events.event_at_utc
        <= {{ dbt.dateadd('minute', -var('cart_abandonment_min_minutes'), 'evaluation.evaluated_at_utc') }}
),

orders_after_cart as (
    select distinct
        carts.person_key,
        carts.carted_at_utc
    from carts
    inner join {{ ref('int_order_persons') }} as orders on carts.person_key = orders.person_key
    cross join evaluation
    where
        not orders.is_test
        and orders.created_at_utc >= carts.carted_at_utc
        and orders.created_at_utc <= evaluation.evaluated_at_utc
),

abandoned as (
    select
        carts.person_key,
        max(carts.carted_at_utc) as last_abandoned_cart_at_utc
    from carts
    left join orders_after_cart
        on
            carts.person_key = orders_after_cart.person_key
            and carts.carted_at_utc = orders_after_cart.carted_at_utc
    where orders_after_cart.person_key is null
    group by carts.person_key
)

select
    eligible.person_key,
    abandoned.last_abandoned_cart_at_utc,
    evaluation.evaluated_at_utc
from abandoned
inner join {{ ref('int_audiences__eligible_persons') }} as eligible on abandoned.person_key = eligible.person_key
cross join evaluation
