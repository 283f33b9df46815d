{#- Grain: one row per audience × person (audience_name, person_key): every audience model unioned,
    with what the sync needs to address each member and each destination's consent. This is what
    the activation sync reads; it sends only to destinations the member's consent covers. -#}
{%- set audiences = [
    'audience_cart_abandoners',
    'audience_product_viewers_without_purchase',
    'audience_high_predicted_ltv',
    'audience_lapsed_customers',
    'audience_new_leads',
] -%}

with members as (
    {%- for audience in audiences %}
        select
            '{{ audience | replace("audience_", "", 1) }}' as audience_name,
            person_key,
            evaluated_at_utc
        from {{ ref(audience) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    members.audience_name,
    members.person_key,
    members.evaluated_at_utc,
    eligible.hubspot_contact_id,
    eligible.email_trimmed_lower,
    eligible.phone_e164,
    eligible.country_code,
    coalesce(consent.email_marketing_consent, false) as email_marketing_consent,
    coalesce(consent.ad_audience_consent, false) as ad_audience_consent
from members
inner join {{ ref('int_audiences__eligible_persons') }} as eligible on members.person_key = eligible.person_key
left join {{ ref('int_persons__consent') }} as consent on members.person_key = consent.person_key
