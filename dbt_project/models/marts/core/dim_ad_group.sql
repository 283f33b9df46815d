{#- Grain: one row per platform × ad group (Google ad group, Meta ad set). Performance Max has none. -#}
with google as (
    select
        ad_groups.platform,
        campaigns.account_id,
        ad_groups.campaign_id,
        ad_groups.ad_group_id,
        ad_groups.ad_group_name,
        ad_groups.ad_group_status,
        ad_groups.ad_group_type
    from {{ ref('stg_google_ads__ad_groups') }} as ad_groups
    left join {{ ref('stg_google_ads__campaigns') }} as campaigns on ad_groups.campaign_id = campaigns.campaign_id
),

meta as (
    select
        platform,
        account_id,
        campaign_id,
        adset_id as ad_group_id,
        adset_name as ad_group_name,
        adset_status as ad_group_status,
        optimization_goal as ad_group_type
    from {{ ref('stg_meta_ads__adsets') }}
)

select * from google
union all
select * from meta
