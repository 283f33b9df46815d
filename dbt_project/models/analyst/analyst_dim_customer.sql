{{ config(alias='dim_customer') }}
{#- dim_customer for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('dim_customer')) }}
