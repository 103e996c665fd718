-- The agencies that lead or support stored tasks, each unit of the store's register with its
-- parent (null for every other agency): what metrics.roll_up counts a unit's tasks for.
with

agencies_stored as (
    select agency_id, name_vi, name_en, agency_type from agencies
),

units as (
    select agency_id, any_value(parent_id) as parent_id
    from agency_units
    group by agency_id
),

final as (
    select a.agency_id, a.name_vi, a.name_en, a.agency_type, u.parent_id
    from agencies_stored as a
    left join units as u using (agency_id)
)

select * from final
order by agency_id
