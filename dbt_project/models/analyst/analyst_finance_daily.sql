{{ config(alias='finance_daily') }}
{#- finance_daily for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('finance_daily')) }}
