{{ config(alias='finance_spend_daily') }}
{#- finance_spend_daily for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('finance_spend_daily')) }}
