{%- set insights = source('raw_meta_ads', 'ad_insights_daily') -%}
{#- Grain: one row per ad and account-local reporting day (date_start; time_increment=1).
    clicks = inline_link_clicks (Meta's `clicks` counts every click on the ad, kept as all_clicks).
    Spend arrives as a decimal string in the account currency: kept as decimal and as integer micros.
    actions/action_values are pivoted for the three types BrightCart reports. -#}
with source as (
    select * from {{ insights }}
),

actions as (
    select
        source.ad_id,
        source.date_start,
        {{ json_element_text('action', 'action_type') }} as action_type,
        cast({{ json_element_text('action', 'value') }} as decimal(18, 2)) as action_count
    from source
    {{ json_array_rows(source_column(insights, 'actions', type_json()), 'action') }}
),

action_values as (
    select
        source.ad_id,
        source.date_start,
        {{ json_element_text('action_value', 'action_type') }} as action_type,
        {{ money(json_element_text('action_value', 'value')) }} as action_value
    from source
    {{ json_array_rows(source_column(insights, 'action_values', type_json()), 'action_value') }}
),

actions_pivoted as (
    select
        ad_id,
        date_start,
        sum(case when action_type = 'offsite_conversion.fb_pixel_purchase' then action_count end) as purchases,
        sum(case when action_type = 'lead' then action_count end) as leads,
        sum(case when action_type = 'link_click' then action_count end) as link_click_actions
    from actions
    group by ad_id, date_start
),

values_pivoted as (
    select
        ad_id,
        date_start,
        sum(
            case when action_type = 'offsite_conversion.fb_pixel_purchase' then action_value end
        ) as purchase_value
    from action_values
    group by ad_id, date_start
),

renamed as (
    select
        'meta_ads' as platform,
        replace(source.account_id, 'act_', '') as account_id,
        source.account_currency,
        source.campaign_id,
        source.adset_id,
        source.ad_id,
        source.campaign_name,
        source.adset_name,
        source.ad_name,
        cast(source.date_start as date) as date_day,
        cast(source.impressions as bigint) as impressions,
        cast({{ source_column(insights, 'inline_link_clicks', 'varchar') }} as bigint) as clicks,
        cast(source.clicks as bigint) as all_clicks,
        {{ units_to_micros('source.spend') }} as spend_micros,
        cast(source.spend as decimal(18, 6)) as spend,
        coalesce(actions_pivoted.purchases, 0) as purchases,
        coalesce(values_pivoted.purchase_value, 0) as purchase_value,
        coalesce(actions_pivoted.leads, 0) as leads,
        coalesce(actions_pivoted.link_click_actions, 0) as link_click_actions,
        source._lake_file as lake_file
    from source
    left join actions_pivoted
        on
            source.ad_id = actions_pivoted.ad_id
            and source.date_start = actions_pivoted.date_start
    left join values_pivoted
        on
            source.ad_id = values_pivoted.ad_id
            and source.date_start = values_pivoted.date_start
)

select * from renamed
