{{ config(materialized='table') }}
{#- Grain: one row per path step (path_id, step). Converting paths: each non-test Shopify order
    resolved to a person, with that person's attributable touchpoints in the var('attribution_lookback_days')
    before the order (path_id 'order:<id>', steps in time order); an order without any touchpoint gets
    one step with channel '(none)' and no touchpoint, so every order is credited. Non-converting paths
    (for the Markov model): each person's touchpoints after their last order (or all, never having
    ordered), path_id 'person:<key>'. -#}
with touchpoints as (
    select * from {{ ref('int_touchpoints') }}
    where is_attributable
),

conversions as (
    select
        order_persons.order_id,
        order_persons.person_key,
        order_persons.created_at_utc,
        {{ to_epoch_micros('order_persons.created_at_utc') }} as conversion_us
    from {{ ref('int_order_persons') }} as order_persons
    where not order_persons.is_test
),

converting as (
    select
        'order:' || cast(conversions.order_id as varchar) as path_id,
        true as is_conversion,
        conversions.order_id,
        conversions.person_key,
        conversions.conversion_us,
        touchpoints.touchpoint_key,
        touchpoints.touchpoint_type,
        touchpoints.touchpoint_us,
        coalesce(touchpoints.channel, '(none)') as channel,
        touchpoints.ad_platform,
        touchpoints.ad_campaign_id,
        touchpoints.utm_campaign
    from conversions
    left join touchpoints
        on
            conversions.person_key = touchpoints.person_key
            and conversions.conversion_us >= touchpoints.touchpoint_us
            and touchpoints.touchpoint_us
            >= conversions.conversion_us - {{ var('attribution_lookback_days') }} * 86400 * cast(1000000 as bigint)
),

last_conversion as (
    select
        person_key,
        max(conversion_us) as last_conversion_us
    from conversions
    group by person_key
),

non_converting as (
    select
        'person:' || touchpoints.person_key as path_id,
        false as is_conversion,
        cast(null as bigint) as order_id,
        touchpoints.person_key,
        cast(null as bigint) as conversion_us,
        touchpoints.touchpoint_key,
        touchpoints.touchpoint_type,
        touchpoints.touchpoint_us,
        touchpoints.channel,
        touchpoints.ad_platform,
        touchpoints.ad_campaign_id,
        touchpoints.utm_campaign
    from touchpoints
    left join last_conversion on touchpoints.person_key = last_conversion.person_key
    where
        last_conversion.last_conversion_us is null
        or touchpoints.touchpoint_us > last_conversion.last_conversion_us
),

paths as (
    select * from converting
    union all
    select * from non_converting
)

select
    path_id,
    is_conversion,
    order_id,
    person_key,
    conversion_us,
    touchpoint_key,
    touchpoint_type,
    touchpoint_us,
    channel,
    ad_platform,
    ad_campaign_id,
    utm_campaign,
    row_number() over (partition by path_id order by touchpoint_us, touchpoint_key) as step,
    count(*) over (partition by path_id) as path_length
from paths
