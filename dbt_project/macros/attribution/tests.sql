{#- Attribution credits of each conversion and model sum to exactly 1, and attributed revenue to the
    order's net sales. Fails with the offending (order, model). -#}
{% test credits_sum_to_one(model, conversion_column, model_column, credit_column, revenue_column, total_column) %}
    select
        {{ conversion_column }},
        {{ model_column }},
        sum({{ credit_column }}) as total_credit,
        sum({{ revenue_column }}) as total_revenue,
        max({{ total_column }}) as expected_revenue
    from {{ model }}
    group by {{ conversion_column }}, {{ model_column }}
    having sum({{ credit_column }}) <> 1
        or sum({{ revenue_column }}) <> max({{ total_column }})
{% endtest %}
