{{ config(materialized='table') }}
{#- Grain: one row per channel: its Markov removal effect and normalised data-driven weight, from
    every converting and non-converting path of int_attribution__paths (macro markov_channel_weights,
    var markov_iterations value-iteration steps). -#}
with paths as (
    select * from {{ ref('int_attribution__paths') }}
),

{{ markov_channel_weights('paths', var('markov_iterations')) }}

select
    channel,
    removal_effect,
    markov_weight
from markov_channel_weights
