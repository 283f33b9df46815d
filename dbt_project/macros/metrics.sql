{#- The one definition of net sales (DESIGN.md): gross − discounts − returns; shipping and tax excluded. -#}
{% macro net_sales(gross_sales, discounts, sales_returns) -%}
    ({{ gross_sales }} - {{ discounts }} - {{ sales_returns }})
{%- endmacro %}
