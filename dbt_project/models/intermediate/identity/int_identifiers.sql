{#- Grain: one row per identifier and source system (identifier_type, identifier_value, source_system),
    with when it was first and last seen there. `is_excluded` marks identifiers on the exclusion list
    (seed identity_exclusions: the shared QA email, internal email domain, browsers with internal
    traffic): they never join two people in the identity graph. -#}
with observations as (
    select * from {{ ref('int_identity__observations') }}
),

exclusions as (
    select * from {{ ref('identity_exclusions') }}
),

internal_browsers as (
    select distinct identifier_node
    from observations
    where identifier_type = 'client_id' and is_internal_traffic
),

grouped as (
    select
        observations.identifier_type,
        observations.identifier_value,
        observations.identifier_node,
        observations.source_system,
        min(observations.seen_at_utc) as first_seen_at_utc,
        max(observations.seen_at_utc) as last_seen_at_utc,
        count(distinct observations.record_key) as records,
        max(case when internal_browsers.identifier_node is not null then 1 else 0 end) = 1 as is_internal_browser
    from observations
    left join internal_browsers on observations.identifier_node = internal_browsers.identifier_node
    group by
        observations.identifier_type,
        observations.identifier_value,
        observations.identifier_node,
        observations.source_system
),

matched as (
    select
        grouped.identifier_node,
        -- a test account on the internal domain (the QA address) is a test account
        coalesce(
            min(case when exclusions.category = 'test' then exclusions.reason end), min(exclusions.reason)
        ) as exclusion_reason,
        coalesce(
            min(case when exclusions.category = 'test' then exclusions.category end), min(exclusions.category)
        ) as exclusion_category
    from grouped
    inner join exclusions
        on
            grouped.identifier_type = exclusions.identifier_type
            and (
                (exclusions.match_type = 'exact' and grouped.identifier_value = exclusions.value)
                or (
                    exclusions.match_type = 'domain' and split_part(grouped.identifier_value, '@', 2) = exclusions.value
                )
                or (
                    exclusions.match_type = 'traffic_type'
                    and exclusions.value = 'internal'
                    and grouped.is_internal_browser
                )
            )
    group by grouped.identifier_node
)

select
    grouped.identifier_type,
    grouped.identifier_value,
    grouped.identifier_node,
    grouped.source_system,
    grouped.first_seen_at_utc,
    grouped.last_seen_at_utc,
    grouped.records,
    matched.exclusion_reason,
    matched.exclusion_category,
    matched.exclusion_reason is not null as is_excluded
from grouped
left join matched on grouped.identifier_node = matched.identifier_node
