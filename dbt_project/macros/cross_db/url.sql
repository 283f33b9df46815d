{#- URL query parameters: the value of `name` in a URL or a bare query string ("a=1&b=2"), NULL when
    absent. Used for utm_* on Google final URLs and Meta url_tags. -#}

{% macro url_parameter(column, name) -%}
    {{ return(adapter.dispatch('url_parameter', 'brightcart')(column, name)) }}
{%- endmacro %}

{% macro duckdb__url_parameter(column, name) -%}
    nullif(regexp_extract({{ column }}, '(^|[?&]){{ name }}=([^&#]*)', 2), '')
{%- endmacro %}

{% macro snowflake__url_parameter(column, name) -%}
    nullif(regexp_substr({{ column }}, '(^|[?&]){{ name }}=([^&#]*)', 1, 1, 'e', 2), '')
{%- endmacro %}
