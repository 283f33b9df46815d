{#- Grain: one row per order × touchpoint × attribution model (order_id, touchpoint_key, model).
    Conversions are non-test Shopify orders resolved to a person; touchpoints are that person's
    attributable touchpoints in the lookback window before the order (var attribution_lookback_days);
    an order without touchpoints is credited to one '(none)' row. Models: first_touch, last_touch,
    last_non_direct, linear, position_based (40/20/40), time_decay (half-life var
    attribution_half_life_days) and markov (channel removal effects). Credits are decimals that sum
    to exactly 1 per order and model (rounding remainder on the last step); attributed revenue =
    credit × order net sales, in the order's currency, summing to the order's net sales to the cent.
    Never summed with platform-claimed conversions. order_date (shop timezone) and is_first_order come
    from fct_orders so marts can date credit by the order and count attributed new customers. -#}
{%- set models = ['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay',
                  'markov'] -%}
with paths as (
    select * from {{ ref('int_attribution__paths') }}
),

orders as (
    select
        order_id,
        order_date,
        is_first_order,
        net_sales,
        currency
    from {{ ref('fct_orders') }}
),

markov_channel_weights as (
    select * from {{ ref('int_attribution__markov_channel_weights') }}
),

converting as (
    select
        paths.*,
        max(case when paths.channel not in ('Direct', '(none)') then paths.step end)
            over (partition by paths.path_id) as last_non_direct_step,
        count(case when paths.channel <> '(none)' then 1 end)
            over (partition by paths.path_id, paths.channel) as channel_touches
    from paths
    where paths.is_conversion
),

weighted as (
    select
        converting.*,
        1.0 as linear,
        case when converting.step = 1 then 1.0 else 0.0 end as first_touch,
        case when converting.step = converting.path_length then 1.0 else 0.0 end as last_touch,
        case
            when
                converting.last_non_direct_step is null
                then case when converting.step = converting.path_length then 1.0 else 0.0 end
            when converting.step = converting.last_non_direct_step then 1.0
            else 0.0
        end as last_non_direct,
        case
            when converting.path_length = 1 then 1.0
            when converting.path_length = 2 then 0.5
            when converting.step = 1 or converting.step = converting.path_length then 0.4
            else 0.2 / (converting.path_length - 2)
        end as position_based,
        case
            when converting.touchpoint_us is null then 1.0
            else
                power(
                    0.5,
                    (converting.conversion_us - converting.touchpoint_us)
                    / (86400.0 * 1000000 * {{ var('attribution_half_life_days') }})
                )
        end as time_decay,
        case
            when converting.channel = '(none)' then 1.0
            else coalesce(markov_channel_weights.markov_weight, 0) / converting.channel_touches
        end as markov
    from converting
    left join markov_channel_weights on converting.channel = markov_channel_weights.channel
),

long as (
    {% for model in models -%}
        select
            path_id,
            order_id,
            person_key,
            step,
            path_length,
            touchpoint_key,
            touchpoint_type,
            touchpoint_us,
            conversion_us,
            channel,
            ad_platform,
            ad_campaign_id,
            utm_campaign,
            '{{ model }}' as attribution_model,
            cast({{ model }} as double) as weight
        from weighted
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

normalised as (
    select
        long.*,
        sum(long.weight) over (partition by long.path_id, long.attribution_model) as total_weight
    from long
),

rounded as (
    select
        normalised.*,
        cast(round(
            case
                when normalised.total_weight > 0 then normalised.weight / normalised.total_weight
                else 1.0 / normalised.path_length
            end, 12
        ) as decimal(20, 12)) as rounded_credit
    from normalised
),

credited as (
    select
        rounded.*,
        rounded.rounded_credit + case
            when
                rounded.step = rounded.path_length
                then 1 - sum(rounded.rounded_credit) over (partition by rounded.path_id, rounded.attribution_model)
            else 0
        end as credit
    from rounded
),

revenue as (
    select
        credited.*,
        orders.order_date,
        orders.is_first_order,
        orders.net_sales,
        orders.currency,
        cast(round(credited.credit * orders.net_sales, 2) as decimal(18, 2)) as rounded_revenue
    from credited
    inner join orders on credited.order_id = orders.order_id
)

select
    order_id,
    order_date,
    is_first_order,
    attribution_model,
    person_key,
    step as touchpoint_position,
    path_length as touchpoints_in_path,
    touchpoint_type,
    touchpoint_us,
    conversion_us,
    channel,
    ad_platform,
    ad_campaign_id,
    utm_campaign,
    cast(credit as decimal(20, 12)) as credit,
    cast(rounded_revenue + case
        when step = path_length then net_sales - sum(rounded_revenue) over (partition by path_id, attribution_model)
        else 0
    end as decimal(18, 2)) as attributed_revenue,
    currency as attributed_revenue_currency,
    net_sales as order_net_sales,
    coalesce(touchpoint_key, '(none)') as touchpoint_key
from revenue
