{#- Grain: one row per platform × ad account. Google reports its account currency and timezone on every
    campaign row; Meta's extract carries the currency on insights rows but not the timezone, which comes
    from var meta_ads_account_timezone (the account's reporting timezone in Ads Manager). -#}
with google as (
    select distinct
        platform,
        account_id,
        account_currency,
        account_timezone
    from {{ ref('stg_google_ads__campaigns') }}
),

meta_accounts as (
    select distinct
        platform,
        account_id
    from {{ ref('stg_meta_ads__campaigns') }}
),

meta_currency as (
    select
        account_id,
        max(account_currency) as account_currency
    from {{ ref('stg_meta_ads__ad_insights_daily') }}
    group by account_id
),

meta as (
    select
        meta_accounts.platform,
        meta_accounts.account_id,
        coalesce(meta_currency.account_currency, '{{ var("meta_ads_account_currency") }}') as account_currency,
        '{{ var("meta_ads_account_timezone") }}' as account_timezone
    from meta_accounts
    left join meta_currency on meta_accounts.account_id = meta_currency.account_id
)

select * from google
union all
select * from meta
