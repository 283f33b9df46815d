{#- Grain: one row per shop day of the order × channel × ad platform × ad campaign × attribution model
    (platform and campaign null for touches not tied to an ad campaign). Each model's credit summed once
    here, so the channel and the campaign marts read the same attributed figures. -#}
select
    attribution.order_date as date_day,
    attribution.channel,
    attribution.ad_platform,
    attribution.ad_campaign_id,
    attribution.attribution_model,
    sum(attribution.credit) as attributed_orders,
    sum(case when attribution.is_first_order then attribution.credit else 0 end) as attributed_new_customers,
    sum(attribution.credit * orders.gross_sales) as attributed_gross_sales,
    sum(attribution.attributed_revenue) as attributed_revenue
from {{ ref('fct_attribution') }} as attribution
inner join {{ ref('fct_orders') }} as orders on attribution.order_id = orders.order_id
group by
    attribution.order_date,
    attribution.channel,
    attribution.ad_platform,
    attribution.ad_campaign_id,
    attribution.attribution_model
