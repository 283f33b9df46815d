{{ config(alias='fct_leads') }}
{#- fct_leads for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_leads')) }}
