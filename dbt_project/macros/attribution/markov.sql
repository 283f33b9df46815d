{#- Data-driven attribution: Markov chain removal effects at channel level (Anderl et al. 2016, as
    in ChannelAttribution). States: (start), each channel, (conversion), (null). Transition
    probabilities are counted over converting and non-converting paths (start → c1 → … → cn →
    (conversion) or (null)). The probability of conversion from (start) is found by value iteration
    (`iterations` steps of v(s) = Σ P(s,t)·v(t), v(conversion) = 1, v(null) = 0), once for the full
    chain and once per removed channel (transitions into it go nowhere). Removal effect
    RE(c) = 1 − P(conversion without c) / P(conversion); weights are RE normalised to sum to 1.

    `paths`: relation with path_id, step, path_length, channel, is_conversion. Emits CTEs only, the
    last being `markov_channel_weights` (channel, removal_effect, markov_weight). -#}
{% macro markov_channel_weights(paths, iterations) -%}
mk_steps as {{ brightcart.cte_materialized() }} (
    select
        path_id,
        step,
        channel as from_state,
        case
            when step = path_length and is_conversion then '(conversion)'
            when step = path_length then '(null)'
            else lead(channel) over (partition by path_id order by step)
        end as to_state
    from {{ paths }}
    where channel <> '(none)'
    union all
    select
        path_id,
        0 as step,
        '(start)' as from_state,
        channel as to_state
    from {{ paths }}
    where step = 1 and channel <> '(none)'
),

mk_probabilities as {{ brightcart.cte_materialized() }} (
    select
        from_state,
        to_state,
        cast(count(*) as double) / sum(count(*)) over (partition by from_state) as probability
    from mk_steps
    group by from_state, to_state
),

mk_scenarios as {{ brightcart.cte_materialized() }} (
    select '(none)' as removed
    union all
    select distinct from_state as removed
    from mk_probabilities
    where from_state <> '(start)'
),

mk_values_0 as {{ brightcart.cte_materialized() }} (
    select
        mk_scenarios.removed,
        states.from_state as state,
        cast(0 as double) as conversion_probability
    from mk_scenarios
    cross join (select distinct from_state from mk_probabilities) as states
),
{% for i in range(1, iterations + 1) %}
mk_values_{{ i }} as {{ brightcart.cte_materialized() }} (
    select
        mk_scenarios.removed,
        mk_probabilities.from_state as state,
        sum(mk_probabilities.probability * case
            when mk_probabilities.to_state = '(conversion)' then 1
            when mk_probabilities.to_state = '(null)' or mk_probabilities.to_state = mk_scenarios.removed then 0
            else coalesce(previous.conversion_probability, 0)
        end) as conversion_probability
    from mk_probabilities
    cross join mk_scenarios
    left join mk_values_{{ i - 1 }} as previous
        on mk_scenarios.removed = previous.removed
        and mk_probabilities.to_state = previous.state
    group by mk_scenarios.removed, mk_probabilities.from_state
),
{% endfor %}
mk_start as {{ brightcart.cte_materialized() }} (
    select
        removed,
        conversion_probability
    from mk_values_{{ iterations }}
    where state = '(start)'
),

mk_removal as {{ brightcart.cte_materialized() }} (
    select
        scenario.removed as channel,
        case
            when baseline.conversion_probability > 0
                then greatest(1 - scenario.conversion_probability / baseline.conversion_probability, 0)
            else 0
        end as removal_effect
    from mk_start as scenario
    cross join (select conversion_probability from mk_start where removed = '(none)') as baseline
    where scenario.removed <> '(none)'
),

markov_channel_weights as (
    select
        channel,
        removal_effect,
        case
            when sum(removal_effect) over () > 0 then removal_effect / sum(removal_effect) over ()
            else 0
        end as markov_weight
    from mk_removal
)
{%- endmacro %}
