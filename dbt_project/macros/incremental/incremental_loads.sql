{#- Incremental models over dlt-loaded raw tables. dlt's merge gives every inserted or re-read row the id of
    its load (`_dlt_load_id`, a timestamp string: later loads sort later), so "rows loaded since the last
    build" is every row whose load id is past the newest one the model has seen. Loads of one source run
    one at a time (one pool per vendor API), so a load never commits with an id older than one built. -#}

{#- Rows of `relation` loaded after the newest load `this` was built from (its column `built_from`); true on
    a full build, and offline (`dbt compile` for Snowflake), where incremental models compile as full builds. -#}
{% macro loaded_since_last_build(load_id_column, built_from='dlt_load_id') -%}
    {%- if not offline_compile() and is_incremental() -%}
        {{ load_id_column }} > (select coalesce(max({{ built_from }}), '') from {{ this }})
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- A pre-hook: delete the rows of `this` whose key no longer exists upstream. Merges never delete, so
    a row disappears from a raw table only when it is erased (a deletion request): an incremental model
    must erase it too, which a build of the new rows alone would not. Empty on a full build. -#}
{% macro delete_rows_gone_upstream(key_column, upstream, upstream_key_column) -%}
    {%- if not offline_compile() and is_incremental() -%}
        delete from {{ this }}
        where {{ key_column }} not in (
            {#- a NULL in a NOT IN list would make it match nothing -#}
            select {{ upstream_key_column }} from {{ upstream }} where {{ upstream_key_column }} is not null
        )
    {%- endif -%}
{%- endmacro %}
