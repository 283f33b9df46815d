{{ config(alias='fct_customer_cohorts') }}
{#- fct_customer_cohorts for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_customer_cohorts')) }}
