{{ config(alias='fct_sessions') }}
{#- fct_sessions for analysts: same grain and columns, PII (meta.pii in the mart's yml) masked. -#}
{{ masked_select(ref('fct_sessions')) }}
