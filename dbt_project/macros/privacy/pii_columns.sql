{#- Where PII is classified: the `meta: {pii: <class>}` of a column in the yml, for sources and models alike.
    Every consumer (the analyst views' masking, Snowflake's masking policies) reads it through these macros,
    so a column is classified in exactly one place. Class names: macros/privacy/masking_policies.sql. -#}

{#- {lower-cased column name: its meta} for the PII columns of one graph node (model or source). -#}
{% macro pii_columns_of(node) -%}
    {%- set pii = {} -%}
    {%- for name, column in node.columns.items() -%}
        {%- set meta = column.meta or (column.config or {}).get('meta') or {} -%}
        {%- if meta.get('pii') -%}{%- do pii.update({name | lower: meta}) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(pii) }}
{%- endmacro %}

{#- The PII columns the yml declares for the model named `model_name` (empty when it declares none). -#}
{% macro declared_pii_columns(model_name) -%}
    {%- set pii = {} -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
        {%- do pii.update(brightcart.pii_columns_of(node)) -%}
    {%- endfor -%}
    {{ return(pii) }}
{%- endmacro %}
