{{ config(alias='fct_attribution') }}
{#- fct_attribution for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_attribution')) }}
