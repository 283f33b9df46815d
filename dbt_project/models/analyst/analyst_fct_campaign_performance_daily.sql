{{ config(alias='fct_campaign_performance_daily') }}
{#- fct_campaign_performance_daily for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_campaign_performance_daily')) }}
