{#- Grain: one row per day × ad platform × campaign × attribution model. Paid media from the spend of
    record (fct_campaign_performance_daily: account currency and USD, impressions, link clicks,
    platform-claimed conversions, on the ad account's reporting day) and GA4 sessions that landed from
    the campaign (start day) repeat on each model's row; attributed orders, new customers and sales are
    the credit that model gives the campaign's touches (shop day of the order). Campaigns are those the
    ad platforms report or that received credit. Ratios are for the row only; platform-claimed and
    attributed figures are never added together. -#}
with media as (
    select
        date_day,
        platform,
        campaign_id,
        account_id,
        account_currency,
        sum(spend_micros) as spend_micros,
        sum(spend) as spend,
        sum(spend_reporting) as spend_reporting,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(platform_conversions) as platform_conversions,
        sum(platform_conversions_value) as platform_conversions_value,
        sum(platform_conversions_value * fx_rate_to_reporting) as platform_conversions_value_reporting
    from {{ ref('fct_campaign_performance_daily') }}
    group by date_day, platform, campaign_id, account_id, account_currency
),

sessions as (
    select
        session_date as date_day,
        ad_platform as platform,
        ad_campaign_id as campaign_id,
        count(*) as sessions
    from {{ ref('fct_sessions') }}
    where ad_campaign_id is not null and not coalesce(is_internal_traffic, false)
    group by session_date, ad_platform, ad_campaign_id
),

attributed as (
    select
        date_day,
        ad_platform as platform,
        ad_campaign_id as campaign_id,
        attribution_model,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_new_customers) as attributed_new_customers,
        sum(attributed_gross_sales) as attributed_gross_sales,
        sum(attributed_revenue) as attributed_revenue
    from {{ ref('int_attribution__credits_daily') }}
    where ad_campaign_id is not null
    group by date_day, ad_platform, ad_campaign_id, attribution_model
),

campaign_days as (
    select
        date_day,
        platform,
        campaign_id
    from media
    union
    select
        date_day,
        platform,
        campaign_id
    from sessions
    union
    select
        date_day,
        platform,
        campaign_id
    from attributed
),

campaigns as (
    select
        platform,
        account_id,
        campaign_id,
        campaign_name,
        channel_type
    from {{ ref('dim_campaign') }}
),

accounts as (
    select
        platform,
        account_id,
        account_currency
    from {{ ref('dim_ad_account') }}
),

attribution_models as (
    {{ attribution_model_rows() }}
)

select
    campaign_days.date_day,
    campaign_days.platform,
    coalesce(media.account_id, campaigns.account_id) as account_id,
    campaign_days.campaign_id,
    attribution_models.attribution_model,
    campaigns.campaign_name,
    {{ ad_campaign_channel('campaign_days.platform', 'campaigns.channel_type') }} as channel,
    coalesce(media.account_currency, accounts.account_currency) as account_currency,
    coalesce(media.spend_micros, 0) as spend_micros,
    cast(coalesce(media.spend, 0) as decimal(18, 6)) as spend,
    '{{ var("reporting_currency") }}' as reporting_currency,
    cast(coalesce(media.spend_reporting, 0) as decimal(18, 6)) as spend_reporting,
    coalesce(media.impressions, 0) as impressions,
    coalesce(media.clicks, 0) as clicks,
    coalesce(media.platform_conversions, 0) as platform_conversions,
    cast(coalesce(media.platform_conversions_value, 0) as decimal(18, 6)) as platform_conversions_value,
    cast(coalesce(media.platform_conversions_value_reporting, 0) as decimal(18, 6))
        as platform_conversions_value_reporting,
    coalesce(sessions.sessions, 0) as sessions,
    cast(coalesce(attributed.attributed_orders, 0) as decimal(20, 12)) as attributed_orders,
    cast(coalesce(attributed.attributed_new_customers, 0) as decimal(20, 12)) as attributed_new_customers,
    cast(coalesce(attributed.attributed_gross_sales, 0) as decimal(18, 2)) as attributed_gross_sales,
    cast(coalesce(attributed.attributed_revenue, 0) as decimal(18, 2)) as attributed_revenue,
    coalesce(attributed.attributed_revenue, 0) / nullif(media.spend_reporting, 0) as attributed_roas,
    media.spend_reporting / nullif(attributed.attributed_new_customers, 0) as attributed_cac,
    media.platform_conversions_value_reporting / nullif(media.spend_reporting, 0) as platform_roas
from campaign_days
cross join attribution_models
left join media
    on
        campaign_days.date_day = media.date_day
        and campaign_days.platform = media.platform
        and campaign_days.campaign_id = media.campaign_id
left join sessions
    on
        campaign_days.date_day = sessions.date_day
        and campaign_days.platform = sessions.platform
        and campaign_days.campaign_id = sessions.campaign_id
left join attributed
    on
        campaign_days.date_day = attributed.date_day
        and campaign_days.platform = attributed.platform
        and campaign_days.campaign_id = attributed.campaign_id
        and attribution_models.attribution_model = attributed.attribution_model
left join campaigns on campaign_days.platform = campaigns.platform and campaign_days.campaign_id = campaigns.campaign_id
left join accounts
    on
        campaigns.platform = accounts.platform
        and campaigns.account_id = accounts.account_id
