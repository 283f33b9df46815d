{{ config(alias='dim_channel') }}
{#- dim_channel for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('dim_channel')) }}
