{#- Connected components by iterative min-label propagation, as chained CTEs (plain SQL: the same on
    DuckDB and Snowflake, where recursive CTEs differ: Snowflake allows only UNION ALL, which never
    stops on a cyclic graph).

    `nodes`: a relation with column `node`; `edges`: a relation with columns `node_a`, `node_b`
    (undirected). Each pass gives every node the smallest label among itself and its neighbours, then
    jumps to its label's own label (pointer jumping), so components of diameter d settle in far fewer
    than d passes. The test `identity_components_converged` fails the build when `passes` was not
    enough (an edge joining two labels). Components larger than `max_component_size` are not merged:
    every node keeps its own label and `is_oversized_component` says why (a shared identifier that slipped
    past the exclusion list would otherwise glue thousands of people into one).

    Emits CTEs only (call it after `with ...,`); the last one is `components`
    (node, component_label, component_size, is_oversized_component). -#}
{% macro connected_components(nodes, edges, passes, max_component_size) -%}
cc_neighbours as {{ brightcart.cte_materialized() }} (
    select
        node_a as node,
        node_b as neighbour
    from {{ edges }}
    union all
    select
        node_b as node,
        node_a as neighbour
    from {{ edges }}
),

cc_labels_0 as {{ brightcart.cte_materialized() }} (
    select
        node,
        node as label
    from {{ nodes }}
),
{% for i in range(1, passes + 1) %}
cc_candidates_{{ i }} as {{ brightcart.cte_materialized() }} (
    select
        node,
        label as candidate
    from cc_labels_{{ i - 1 }}
    union all
    select
        cc_neighbours.node,
        previous.label as candidate
    from cc_neighbours
    inner join cc_labels_{{ i - 1 }} as previous on cc_neighbours.neighbour = previous.node
),

cc_propagated_{{ i }} as {{ brightcart.cte_materialized() }} (
    select
        node,
        min(candidate) as label
    from cc_candidates_{{ i }}
    group by node
),

cc_labels_{{ i }} as {{ brightcart.cte_materialized() }} (
    select
        propagated.node,
        least(propagated.label, coalesce(jumped.label, propagated.label)) as label
    from cc_propagated_{{ i }} as propagated
    left join cc_propagated_{{ i }} as jumped on propagated.label = jumped.node
),
{% endfor %}
cc_sizes as {{ brightcart.cte_materialized() }} (
    select
        label,
        count(*) as component_size
    from cc_labels_{{ passes }}
    group by label
),

components as (
    select
        labels.node,
        case
            when cc_sizes.component_size > {{ max_component_size }} then labels.node
            else labels.label
        end as component_label,
        cc_sizes.component_size,
        cc_sizes.component_size > {{ max_component_size }} as is_oversized_component
    from cc_labels_{{ passes }} as labels
    inner join cc_sizes on labels.label = cc_sizes.label
)
{%- endmacro %}
