{#- The identity graph settled: no edge joins two different persons, except where a component was
    too large to merge (is_oversized_component). Fails with the offending edges: raise
    var identity_label_passes. -#}
{% test identity_components_converged(model, edges) %}
    select
        edges.node_a,
        edges.node_b,
        side_a.person_key as person_key_a,
        side_b.person_key as person_key_b
    from {{ edges }} as edges
    inner join {{ model }} as side_a on edges.node_a = side_a.identifier_node
    inner join {{ model }} as side_b on edges.node_b = side_b.identifier_node
    where side_a.person_key <> side_b.person_key
        and not side_a.is_oversized_component
        and not side_b.is_oversized_component
{% endtest %}
