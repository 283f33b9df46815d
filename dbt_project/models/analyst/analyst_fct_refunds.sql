{{ config(alias='fct_refunds') }}
{#- fct_refunds for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_refunds')) }}
