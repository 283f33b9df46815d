{{ config(alias='fct_orders') }}
{#- core.fct_orders for analysts: same grain (order_id) and columns, PII masked. -#}
{{ masked_select(ref('fct_orders')) }}
