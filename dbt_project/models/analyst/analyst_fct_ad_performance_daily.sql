{{ config(alias='fct_ad_performance_daily') }}
{#- fct_ad_performance_daily for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_ad_performance_daily')) }}
