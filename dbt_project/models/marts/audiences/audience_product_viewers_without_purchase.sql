{#- Grain: one row per person (person_key). Viewed a product page (GA4 view_item) or a pricing page
    in the product_view_days before the evaluation time, in a non-internal session, and placed no
    non-test order in that window. -#}
with evaluation as (
    select
        {{ audiences_as_of() }} as evaluated_at_utc,
        {{ dbt.dateadd('day', -var('product_view_days'), audiences_as_of()) }} as window_start_utc
),

views as (
    select
        sessions.person_key,
        max(events.event_at_utc) as last_viewed_at_utc
    from {{ ref('stg_ga4__events') }} as events
    inner join {{ ref('fct_sessions') }} as sessions
        on
            events.user_pseudo_id = sessions.user_pseudo_id
            and events.ga_session_id = sessions.ga_session_id
    cross join evaluation
    where
        (
            events.event_name = 'view_item'
            or (events.event_name = 'page_view' and events.page_location like '%/pricing%')
        )
        and not sessions.is_internal_traffic
        and events.event_at_utc > evaluation.window_start_utc
        and events.event_at_utc <= evaluation.evaluated_at_utc
    group by sessions.person_key
),

buyers as (
    select distinct orders.person_key
    from {{ ref('int_order_persons') }} as orders
    cross join evaluation
    where
        not orders.is_test
        and orders.created_at_utc > evaluation.window_start_utc
        and orders.created_at_utc <= evaluation.evaluated_at_utc
)

select
    eligible.person_key,
    views.last_viewed_at_utc,
    evaluation.evaluated_at_utc
from views
inner join {{ ref('int_audiences__eligible_persons') }} as eligible on views.person_key = eligible.person_key
left join buyers on views.person_key = buyers.person_key
cross join evaluation
where buyers.person_key is null
