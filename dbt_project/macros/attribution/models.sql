{#- The attribution models fct_attribution credits every order under, for marts that must list each
    model even on days when it credited nothing (spend rows of a channel without orders). -#}
{% macro attribution_models() -%}
    {{ return(['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay', 'markov']) }}
{%- endmacro %}

{#- The models as a one-column relation (attribution_model), for cross joins. -#}
{% macro attribution_model_rows() -%}
    select attribution_model
    from (
        values
        {%- for model in attribution_models() %}
            ('{{ model }}'){{ "," if not loop.last }}
        {%- endfor %}
    ) as attribution_models (attribution_model)
{%- endmacro %}
