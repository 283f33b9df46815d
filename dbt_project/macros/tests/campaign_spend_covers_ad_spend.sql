{#- Campaign-level spend (what the platform bills) must be ≥ the sum of its ad-level rows for every
    campaign and day, and equal to it for campaigns that report ads (all but Performance Max, whose
    spend exists only at campaign level). Fails with the offending campaign-days. -#}
{% test campaign_spend_covers_ad_spend(model, ad_model, has_ad_level_column='has_ad_level_metrics') %}
    with ad_level as (
        select
            date_day,
            platform,
            account_id,
            campaign_id,
            sum(spend_micros) as ad_spend_micros
        from {{ ad_model }}
        group by date_day, platform, account_id, campaign_id
    )

    select
        campaign_level.date_day,
        campaign_level.platform,
        campaign_level.campaign_id,
        campaign_level.spend_micros,
        coalesce(ad_level.ad_spend_micros, 0) as ad_spend_micros
    from {{ model }} as campaign_level
    left join ad_level
        on campaign_level.date_day = ad_level.date_day
        and campaign_level.platform = ad_level.platform
        and campaign_level.account_id = ad_level.account_id
        and campaign_level.campaign_id = ad_level.campaign_id
    where campaign_level.spend_micros < coalesce(ad_level.ad_spend_micros, 0)
        or (campaign_level.{{ has_ad_level_column }}
            and campaign_level.spend_micros <> coalesce(ad_level.ad_spend_micros, 0))
{% endtest %}
