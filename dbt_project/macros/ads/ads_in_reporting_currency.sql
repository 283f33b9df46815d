{#- The shared tail of the ad-performance models: both platforms' rows (the CTE `unioned`, at the grain
    the caller names) with spend converted to the reporting currency at the account-local day's reference
    rate. One place for the conversion, so ad-level and campaign-level spend can never disagree on it. -#}
{% macro ads_in_reporting_currency(grain_columns) -%}
select
    {%- for column in grain_columns %}
    unioned.{{ column }},
    {%- endfor %}
    unioned.account_currency,
    unioned.impressions,
    unioned.clicks,
    unioned.spend_micros,
    unioned.spend,
    '{{ var("reporting_currency") }}' as reporting_currency,
    {{ fx_rate_to_reporting('unioned.account_currency', 'fx.rate_to_usd') }} as fx_rate_to_reporting,
    cast(
        unioned.spend * {{ fx_rate_to_reporting('unioned.account_currency', 'fx.rate_to_usd') }} as decimal(18, 6)
    ) as spend_reporting,
    unioned.platform_conversions,
    unioned.platform_conversions_value,
    unioned.platform_leads
from unioned
left join {{ ref('fx_rates_daily') }} as fx
    on
        unioned.account_currency = fx.currency
        and unioned.date_day = fx.rate_date
{%- endmacro %}
