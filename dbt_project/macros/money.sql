{#- Money arrives as strings ("199.00"); cast once, to a fixed decimal with cents. -#}
{% macro money(expression) -%}
    cast({{ expression }} as decimal(18, 2))
{%- endmacro %}
