{#- BrightCart's one channel grouping (DECISIONLOG "Web, CRM, identity and attribution").

    ad_campaign_channel: the channel of an ad platform campaign from its type. Google: SHOPPING and
    PERFORMANCE_MAX → Paid Shopping, VIDEO → Paid Video, everything else (SEARCH) → Paid Search;
    Meta → Paid Social. The same mapping the seed channel_rules applies to sessions of those
    campaigns, so platform spend and sessions land in the same channel. -#}
{% macro ad_campaign_channel(platform, campaign_type) -%}
    case
        when {{ platform }} = 'meta_ads' then 'Paid Social'
        when upper({{ campaign_type }}) in ('SHOPPING', 'PERFORMANCE_MAX') then 'Paid Shopping'
        when upper({{ campaign_type }}) = 'VIDEO' then 'Paid Video'
        else 'Paid Search'
    end
{%- endmacro %}

{#- assign_channel: one row per key of `relation` with the channel of the first matching rule of the
    seed channel_rules (lowest priority; empty conditions match anything; patterns match the whole
    lower-cased value). `relation` must have the columns traffic_type, click_id_type, ad_channel_type,
    utm_source, utm_medium and referrer. The seed's last rule (Direct) has no condition, so every key
    gets a channel. Emits a select statement. -#}
{% macro assign_channel(relation, key_columns) -%}
    {%- set rule_columns = ['traffic_type', 'click_id_type', 'ad_channel_type', 'utm_source', 'utm_medium',
                            'referrer'] -%}
    select
        {% for key in key_columns -%}
            {{ key }},
        {% endfor -%}
        channel,
        channel_rule_priority
    from (
        select
            {% for key in key_columns -%}
                candidates.{{ key }},
            {% endfor -%}
            rules.channel,
            rules.priority as channel_rule_priority,
            row_number() over (
                partition by {% for key in key_columns %}candidates.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
                order by rules.priority
            ) as rule_rank
        from {{ relation }} as candidates
        inner join {{ ref('channel_rules') }} as rules
            on (rules.traffic_type is null or lower(candidates.traffic_type) = lower(rules.traffic_type))
            and (rules.click_id_type is null or lower(candidates.click_id_type) = lower(rules.click_id_type))
            and (rules.ad_channel_type_pattern is null
                or {{ regex_full_match("lower(candidates.ad_channel_type)", "rules.ad_channel_type_pattern") }})
            and (rules.utm_source_pattern is null
                or {{ regex_full_match("lower(candidates.utm_source)", "rules.utm_source_pattern") }})
            and (rules.utm_medium_pattern is null
                or {{ regex_full_match("lower(candidates.utm_medium)", "rules.utm_medium_pattern") }})
            and (rules.referrer_pattern is null
                or {{ regex_full_match("lower(candidates.referrer)", "rules.referrer_pattern") }})
    ) as ranked
    where rule_rank = 1
{%- endmacro %}

{#- HubSpot's original source (hs_analytics_source) in BrightCart's channel grouping. HubSpot does
    not tell search campaign types apart, so PAID_SEARCH is Paid Search. -#}
{% macro hubspot_source_channel(analytics_source) -%}
    case upper({{ analytics_source }})
        when 'PAID_SEARCH' then 'Paid Search'
        when 'PAID_SOCIAL' then 'Paid Social'
        when 'ORGANIC_SEARCH' then 'Organic Search'
        when 'EMAIL_MARKETING' then 'Email'
        when 'REFERRALS' then 'Referral'
        when 'SOCIAL_MEDIA' then 'Referral'
        when 'DIRECT_TRAFFIC' then 'Direct'
        else 'Direct'
    end
{%- endmacro %}
