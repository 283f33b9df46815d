{#- Grain: one row per undirected edge (node_a < node_b) between two identifiers seen in the same
    source record: a session's client id with its gclid/fbclid and logged-in user_id; a customer
    account's user_id, email and id; an order with its email, customer id and landing click id; a
    GA4 purchase's browser with the Shopify order it reported; a HubSpot contact with its email and
    the contacts merged into it. Deterministic only. Phones are identifiers but never edges (shared
    and recycled numbers: measured, see DECISIONLOG); excluded identifiers never take part. -#}
with observations as (
    select * from {{ ref('int_identity__observations') }}
),

excluded as (
    select distinct identifier_node
    from {{ ref('int_identifiers') }}
    where is_excluded
),

eligible as (
    select distinct
        observations.source_system,
        observations.record_key,
        observations.identifier_type,
        observations.identifier_node
    from observations
    left join excluded on observations.identifier_node = excluded.identifier_node
    where
        observations.identifier_type <> 'phone'
        and excluded.identifier_node is null
),

pairs as (
    select
        left_side.identifier_node as node_a,
        right_side.identifier_node as node_b,
        left_side.source_system,
        left_side.identifier_type || '~' || right_side.identifier_type as edge_type
    from eligible as left_side
    inner join eligible as right_side
        on
            left_side.record_key = right_side.record_key
            and left_side.source_system = right_side.source_system
            and left_side.identifier_node < right_side.identifier_node
)

select
    node_a,
    node_b,
    min(edge_type) as edge_type,
    min(source_system) as source_system,
    count(*) as evidence_count
from pairs
group by node_a, node_b
