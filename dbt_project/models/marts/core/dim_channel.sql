{#- Grain: one row per channel of BrightCart's channel grouping (the channels the seed channel_rules
    can assign). Paid channels are the ones ad platform spend is reported in. -#}
with channels as (
    select distinct channel
    from {{ ref('channel_rules') }}
)

select
    channel,
    channel like 'Paid %' as is_paid,
    case
        when channel like 'Paid %' then 'paid'
        when channel = 'Internal' then 'internal'
        when channel in ('Email') then 'owned'
        else 'earned'
    end as channel_category,
    case channel
        when 'Paid Search' then 'Google Ads search campaigns (gclid or paid search medium).'
        when 'Paid Shopping' then 'Google Shopping and Performance Max campaigns.'
        when 'Paid Video' then 'Google video (YouTube) campaigns and video media.'
        when 'Paid Social' then 'Meta (fbclid) and other paid social media.'
        when 'Organic Search' then 'Unpaid search engine results (organic medium or search engine referrer).'
        when 'Email' then 'Email campaigns (Klaviyo newsletters).'
        when 'Referral' then 'Links from other sites (referral medium or referrer).'
        when 'Direct' then 'No source: typed URL, bookmark or untagged app.'
        when 'Internal' then 'BrightCart staff traffic; excluded from marketing metrics.'
    end as channel_description
from channels
