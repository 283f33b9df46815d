{#- The moment audiences are evaluated at: var `audiences_as_of` (UTC, for replays and tests) or now. -#}
{% macro audiences_as_of() -%}
    {%- if var('audiences_as_of', none) -%}
        cast('{{ var("audiences_as_of") }}' as timestamp)
    {%- else -%}
        {{ utc_now() }}
    {%- endif -%}
{%- endmacro %}
