{{ config(alias='fct_order_lines') }}
{#- fct_order_lines for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_order_lines')) }}
