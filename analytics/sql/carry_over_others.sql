-- Into stage: every task in force for $source at $as_of ($sources is [$source]) that an agency
-- update's file does not give, unchanged, whatever its lead agencies. An agency's file never
-- removes a task: a task it does not mention stays as it is (only a full-list upload leaves
-- tasks out).
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
    where task_id not in (select task_id from stage)
)

select * from final
