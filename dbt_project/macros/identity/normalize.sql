{#- Identifier normalisation, written once (DESIGN.md "Identity"). Email in three forms:
    raw (as typed), trimmed-lowercased (what ad platforms hash for customer match) and
    matching-canonical (plus-tag stripped; gmail/googlemail dots removed and domain unified), the form
    the identity graph joins on. Text without exactly one '@' is not an email: NULL. -#}

{% macro email_trimmed_lower(column) -%}
    case
        when lower(trim({{ column }})) like '%_@_%'
            and lower(trim({{ column }})) not like '%@%@%'
            then lower(trim({{ column }}))
    end
{%- endmacro %}

{% macro email_canonical(column) -%}
    {%- set email = brightcart.email_trimmed_lower(column) -%}
    {%- set local = "split_part(split_part(" ~ email ~ ", '@', 1), '+', 1)" -%}
    {%- set domain = "split_part(" ~ email ~ ", '@', 2)" -%}
    case
        when {{ domain }} in ('gmail.com', 'googlemail.com')
            then replace({{ local }}, '.', '') || '@gmail.com'
        else {{ local }} || '@' || {{ domain }}
    end
{%- endmacro %}

{% macro email_domain(column) -%}
    split_part({{ brightcart.email_trimmed_lower(column) }}, '@', 2)
{%- endmacro %}

{#- E.164 where the number allows it: keep digits (and a leading +); a number already starting with
    + (or 00) is international; ten digits are taken as a US number (the shop's country); anything else
    is not confidently E.164 and is NULL (the raw phone stays beside it). -#}
{% macro phone_e164(column) -%}
    {%- set digits = brightcart.regex_replace_all(column, "'[^0-9]'", "''") -%}
    case
        when trim({{ column }}) like '+%' and length({{ digits }}) between 8 and 15 then '+' || {{ digits }}
        when trim({{ column }}) like '00%' and length({{ digits }}) between 10 and 17
            then '+' || substr({{ digits }}, 3)
        when length({{ digits }}) = 10 then '+1' || {{ digits }}
        when length({{ digits }}) = 11 and {{ digits }} like '1%' then '+' || {{ digits }}
    end
{%- endmacro %}
