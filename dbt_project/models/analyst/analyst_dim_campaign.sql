{{ config(alias='dim_campaign') }}
{#- dim_campaign for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('dim_campaign')) }}
