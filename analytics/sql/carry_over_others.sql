-- Into stage: the tasks in force for $source at $as_of ($sources is [$source]) that an agency
-- update does not cover: those not in the file, unless every lead agency of the task is one of
-- the update's ($agencies). A task shared with another agency is never dropped by one agency's
-- file, nor one whose lead was not recognised: no agency's file covers it.
insert into stage by name

with

snapshots_in_force as (
    {snapshots_in_force}
),

versions as (
    select v.* exclude (source, from_seq, to_seq)
    from task_versions as v
    inner join snapshots_in_force as s
        on {version_in_force}
    where v.source = $source
),

final as (
    select * from versions
    where not (coalesce(len(lead_ids), 0) > 0 and list_has_all($agencies, lead_ids))
      and task_id not in (select task_id from stage)
)

select * from final
