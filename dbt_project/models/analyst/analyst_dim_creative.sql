{{ config(alias='dim_creative') }}
{#- dim_creative for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('dim_creative')) }}
