{{ config(alias='reconciliation_daily') }}
{#- reconciliation_daily for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('reconciliation_daily')) }}
