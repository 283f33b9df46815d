{{ config(materialized='table') }}
{#- Grain: one row per identifier node (identifier_type:identifier_value) with the person it resolves to:
    persons are the connected components of int_identity_edges, found by min-label propagation
    (macro connected_components; passes = var identity_label_passes, cap = var
    identity_max_component_size). person_key = md5 of the component's smallest node. -#}
with nodes as (
    select distinct identifier_node as node
    from {{ ref('int_identifiers') }}
),

edges as (
    select
        node_a,
        node_b
    from {{ ref('int_identity_edges') }}
),

{{ connected_components('nodes', 'edges', var('identity_label_passes'), var('identity_max_component_size')) }}

select
    components.node as identifier_node,
    {{ dbt.hash('components.component_label') }} as person_key,
    components.component_label,
    components.component_size,
    components.is_oversized_component
from components
