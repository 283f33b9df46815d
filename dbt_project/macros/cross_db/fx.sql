{#- FX: the rate that turns an amount in `currency_column` into the reporting currency on a day.
    The seed reference.fx_rates_daily holds rate_to_usd per currency and day; the reporting currency
    (var reporting_currency, USD) converts at 1 and has no seed rows. A missing rate stays NULL so the
    gap shows (the fx_rate not_null tests fail) instead of silently converting at 0 or 1. -#}
{% macro fx_rate_to_reporting(currency_column, rate_column) -%}
    case when {{ currency_column }} = '{{ var("reporting_currency") }}' then cast(1 as decimal(12, 6))
        else {{ rate_column }} end
{%- endmacro %}
