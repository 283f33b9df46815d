{#- Grain: one row per HubSpot contact (lead), active or archived; merged-away duplicates are not
    leads of their own (their survivor is). Created date in the shop's timezone; source is HubSpot's
    original source mapped to BrightCart's channel grouping; person_key from the identity graph.
    Deals have their own grain in int_crm__deals. -#}
with contacts as (
    select * from {{ ref('stg_hubspot__contacts') }}
),

deals as (
    select
        associations.contact_id,
        count(*) as deals,
        sum(case when deals.is_closed_won then 1 else 0 end) as deals_won,
        sum(case when deals.is_closed_won then deals.amount else 0 end) as won_amount,
        max(deals.currency) as won_amount_currency
    from {{ ref('stg_hubspot__contact_deal_associations') }} as associations
    inner join {{ ref('stg_hubspot__deals') }} as deals on associations.deal_id = deals.deal_id
    group by associations.contact_id
),

graph as (
    select * from {{ ref('int_identity_graph') }}
)

select
    contacts.contact_id,
    contacts.source_system,
    graph.person_key,
    contacts.created_at_utc,
    contacts.created_date,
    contacts.lifecycle_stage,
    contacts.analytics_source,
    contacts.analytics_source_data_1,
    {{ hubspot_source_channel('contacts.analytics_source') }} as channel,
    contacts.is_marketable,
    contacts.has_email_optout,
    contacts.is_archived,
    coalesce(deals.deals, 0) as deals,
    coalesce(deals.deals_won, 0) as deals_won,
    coalesce(deals.won_amount, 0) as won_amount,
    coalesce(deals.won_amount_currency, 'USD') as won_amount_currency
from contacts
left join deals on contacts.contact_id = deals.contact_id
left join graph on 'hubspot_contact_id:' || cast(contacts.contact_id as varchar) = graph.identifier_node
