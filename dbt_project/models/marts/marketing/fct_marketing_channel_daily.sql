{#- Grain: one row per day × channel × attribution model. Paid media (spend of record in USD,
    impressions, link clicks, platform-claimed conversions), GA4 sessions and HubSpot leads are channel
    facts and repeat on each model's row; attributed orders, new customers and sales are that model's
    credit. Days: ad metrics on the ad account's reporting day, sessions on their start day (property
    timezone), leads and attributed orders on the shop day. A day × channel with any activity gets all
    seven model rows. Ratios are for the row only; over several rows use the semantic layer's metrics,
    which sum first. Platform-claimed and attributed figures are never added together. -#}
with media as (
    select
        date_day,
        {{ ad_campaign_channel('platform', 'channel_type') }} as channel,
        sum(spend_reporting) as spend_reporting,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(platform_conversions) as platform_conversions,
        sum(platform_conversions_value * fx_rate_to_reporting) as platform_conversions_value_reporting
    from {{ ref('fct_campaign_performance_daily') }}
    group by date_day, {{ ad_campaign_channel('platform', 'channel_type') }}
),

sessions as (
    select
        session_date as date_day,
        channel,
        count(*) as sessions
    from {{ ref('fct_sessions') }}
    where not coalesce(is_internal_traffic, false)
    group by session_date, channel
),

leads as (
    select
        created_date as date_day,
        channel,
        count(*) as leads
    from {{ ref('fct_leads') }}
    group by created_date, channel
),

attributed as (
    select
        date_day,
        channel,
        attribution_model,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_new_customers) as attributed_new_customers,
        sum(attributed_gross_sales) as attributed_gross_sales,
        sum(attributed_revenue) as attributed_revenue
    from {{ ref('int_attribution__credits_daily') }}
    group by date_day, channel, attribution_model
),

channel_days as (
    select
        date_day,
        channel
    from media
    union
    select
        date_day,
        channel
    from sessions
    union
    select
        date_day,
        channel
    from leads
    union
    select
        date_day,
        channel
    from attributed
),

attribution_models as (
    {{ attribution_model_rows() }}
),

combined as (
    select
        channel_days.date_day,
        channel_days.channel,
        attribution_models.attribution_model,
        coalesce(media.spend_reporting, 0) as spend_reporting,
        coalesce(media.impressions, 0) as impressions,
        coalesce(media.clicks, 0) as clicks,
        coalesce(media.platform_conversions, 0) as platform_conversions,
        coalesce(media.platform_conversions_value_reporting, 0) as platform_conversions_value_reporting,
        coalesce(sessions.sessions, 0) as sessions,
        coalesce(leads.leads, 0) as leads,
        coalesce(attributed.attributed_orders, 0) as attributed_orders,
        coalesce(attributed.attributed_new_customers, 0) as attributed_new_customers,
        coalesce(attributed.attributed_gross_sales, 0) as attributed_gross_sales,
        coalesce(attributed.attributed_revenue, 0) as attributed_revenue
    from channel_days
    cross join attribution_models
    left join media on channel_days.date_day = media.date_day and channel_days.channel = media.channel
    left join sessions on channel_days.date_day = sessions.date_day and channel_days.channel = sessions.channel
    left join leads on channel_days.date_day = leads.date_day and channel_days.channel = leads.channel
    left join attributed
        on
            channel_days.date_day = attributed.date_day
            and channel_days.channel = attributed.channel
            and attribution_models.attribution_model = attributed.attribution_model
)

select
    date_day,
    channel,
    attribution_model,
    '{{ var("reporting_currency") }}' as reporting_currency,
    cast(spend_reporting as decimal(18, 6)) as spend_reporting,
    impressions,
    clicks,
    platform_conversions,
    cast(platform_conversions_value_reporting as decimal(18, 6)) as platform_conversions_value_reporting,
    sessions,
    leads,
    cast(attributed_orders as decimal(20, 12)) as attributed_orders,
    cast(attributed_new_customers as decimal(20, 12)) as attributed_new_customers,
    cast(attributed_gross_sales as decimal(18, 2)) as attributed_gross_sales,
    cast(attributed_revenue as decimal(18, 2)) as attributed_revenue,
    attributed_revenue / nullif(spend_reporting, 0) as attributed_roas,
    spend_reporting / nullif(attributed_new_customers, 0) as attributed_cac,
    platform_conversions_value_reporting / nullif(spend_reporting, 0) as platform_roas
from combined
