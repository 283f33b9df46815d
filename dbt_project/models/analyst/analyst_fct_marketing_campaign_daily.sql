{{ config(alias='fct_marketing_campaign_daily') }}
{#- fct_marketing_campaign_daily for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_marketing_campaign_daily')) }}
