{#- Grain test: no two rows share the full key. dbt_utils' unique_combination_of_columns, written here
    because hub packages are not installable. Usage (model level):
      data_tests:
        - unique_combination:
            arguments:
              combination_of_columns: [date_day, platform, campaign_id] -#}
{% test unique_combination(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') %}
    select {{ columns }}, count(*) as row_count
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
