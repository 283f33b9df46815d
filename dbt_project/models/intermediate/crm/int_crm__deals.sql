{#- Grain: one row per HubSpot deal (deal_id) with its associated contact (the one with the smallest
    id when several) and that contact's person; amount in `currency`. -#}
with deals as (
    select * from {{ ref('stg_hubspot__deals') }}
),

associations as (
    select
        deal_id,
        min(contact_id) as contact_id
    from {{ ref('stg_hubspot__contact_deal_associations') }}
    group by deal_id
)

select
    deals.deal_id,
    deals.source_system,
    associations.contact_id,
    graph.person_key,
    deals.deal_name,
    deals.deal_stage,
    deals.pipeline,
    deals.amount,
    deals.currency,
    deals.is_closed,
    deals.is_closed_won,
    deals.created_at_utc,
    deals.created_date,
    deals.close_at_utc,
    deals.is_archived
from deals
left join associations on deals.deal_id = associations.deal_id
left join {{ ref('int_identity_graph') }} as graph
    on 'hubspot_contact_id:' || cast(associations.contact_id as varchar) = graph.identifier_node
