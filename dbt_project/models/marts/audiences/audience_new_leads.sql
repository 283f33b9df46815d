{#- Grain: one row per person (person_key). A HubSpot lead (lifecycle lead to opportunity, active
    contact) created in the new_lead_days before the evaluation time, by a person with no non-test
    order placed by then. -#}
with evaluation as (
    select {{ audiences_as_of() }} as evaluated_at_utc
),

leads as (
    select
        leads.person_key,
        max(leads.created_at_utc) as lead_created_at_utc
    from {{ ref('fct_leads') }} as leads
    cross join evaluation
    where
        leads.lifecycle_stage in ('lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity')
        and not leads.is_archived
        and leads.created_at_utc <= evaluation.evaluated_at_utc
        and leads.created_at_utc
        > {{ dbt.dateadd('day', -var('new_lead_days'), 'evaluation.evaluated_at_utc') }}
    group by leads.person_key
),

customers as (
    select distinct orders.person_key
    from {{ ref('int_order_persons') }} as orders
    cross join evaluation
    where
        not orders.is_test
        and orders.created_at_utc <= evaluation.evaluated_at_utc
)

select
    eligible.person_key,
    leads.lead_created_at_utc,
    evaluation.evaluated_at_utc
from leads
inner join {{ ref('int_audiences__eligible_persons') }} as eligible on leads.person_key = eligible.person_key
left join customers on leads.person_key = customers.person_key
cross join evaluation
where customers.person_key is null
