{{ config(alias='dim_ad_group') }}
{#- dim_ad_group for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('dim_ad_group')) }}
