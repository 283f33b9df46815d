{#- Sources that exist only once the vendor has sent a record (dlt creates a table on its first row:
    HubSpot's archived contacts, for instance). `source_exists` says whether the relation is there;
    on `dbt compile` for Snowflake it answers true without connecting, so the production target
    compiles offline; at parse time (execute false) it answers true so the dependency is recorded. In a
    unit test a source is a fixture CTE (no schema): optional sources are left out there. -#}
{% macro source_exists(relation) -%}
    {{ return(adapter.dispatch('source_exists', 'brightcart')(relation)) }}
{%- endmacro %}

{% macro default__source_exists(relation) -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- if relation.schema is none or relation.identifier is none -%}{{ return(false) }}{%- endif -%}
    {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{%- endmacro %}

{% macro snowflake__source_exists(relation) -%}
    {%- if relation.schema is none or relation.identifier is none -%}{{ return(false) }}{%- endif -%}
    {%- if not execute or flags.WHICH == 'compile' -%}{{ return(true) }}{%- endif -%}
    {{ return(adapter.get_relation(relation.database, relation.schema, relation.identifier) is not none) }}
{%- endmacro %}
