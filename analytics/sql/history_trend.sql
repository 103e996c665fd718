-- The state at every snapshot date, judged at that date, counted by status: one row per date D
-- on which an active snapshot (of the chosen sources) was taken. For each D and each source the
-- snapshot in force is the latest active one dated on or before D, exactly as in tasks_at.sql;
-- the status rules are the same expressions as tasks_at.sql's (sql/task_completed.sql and
-- sql/task_status.sql), judged at D, over the versions as the steering office's decisions make
-- them (sql/task_decisions.sql, sql/decided_columns.sql), as in tasks_at.sql.
--
-- One pass over task_versions: the filters and the access scope are applied to the versions
-- first (they do not depend on D), then each version is joined, per source, to the dates whose
-- in-force sequence number lies in its validity range [from_seq, to_seq). Only the few columns
-- the status needs are carried. Filters and scope are bound parameters; null means no limit.
with

dates as (
    select distinct as_of as d
    from snapshots
    where status = 'active'
      and ($sources is null or list_contains($sources, source))
),

in_force as (
    select d.d, s.source, s.seq
    from dates as d
    inner join snapshots as s
        on s.status = 'active'
        and s.as_of <= d.d
        and ($sources is null or list_contains($sources, s.source))
    qualify row_number() over (
        partition by d.d, s.source order by s.as_of desc, s.snapshot_id desc
    ) = 1
),

agency_types as (
    select agency_id, agency_type from agencies
),

decisions as (
    {task_decisions}
),

versions as (
    select
        v.source,
        v.from_seq,
        v.to_seq,
        {decided_columns}
    from task_versions as v
    left join decisions as d
        on d.source = v.source and d.task_id = v.task_id
    where ($sources is null or list_contains($sources, v.source))
      and ($scope is null or len(list_intersect(v.lead_ids, $scope)) > 0)
      and ($agencies is null or len(list_intersect(v.lead_ids, $agencies)) > 0)
      and (not $difficult_only or v.difficult)
      and ($source_docs is null or list_contains($source_docs, v.source_doc))
      and (
          $agency_types is null
          or exists (
              select 1 from agency_types as a
              where list_contains(v.lead_ids, a.agency_id)
                and list_contains($agency_types, a.agency_type)
          )
      )
),

pairs as (
    select s.d as judged_on, v.deadline, v.status_class, v.completion_date
    from versions as v
    inner join in_force as s
        on {version_in_force}
),

judged as (
    select *, {task_completed} as completed from pairs
),

classified as (
    select judged_on as d, {task_status} as status from judged
),

counted as (
    select
        d,
        count(*) filter (where status != 'cancelled') as total,
        count(*) filter (where status = 'completed_on_time') as completed_on_time,
        count(*) filter (where status = 'completed_late') as completed_late,
        count(*) filter (where status = 'completed_timing_unknown') as completed_timing_unknown,
        count(*) filter (where status = 'overdue') as overdue,
        count(*) filter (where status = 'in_progress') as in_progress,
        count(*) filter (where status = 'no_deadline') as no_deadline,
        count(*) filter (where status = 'cancelled') as cancelled
    from classified
    group by d
),

final as (
    select
        dates.d as as_of,
        coalesce(c.total, 0) as total,
        coalesce(c.completed_on_time, 0)
            + coalesce(c.completed_late, 0)
            + coalesce(c.completed_timing_unknown, 0) as completed,
        coalesce(c.completed_on_time, 0) as completed_on_time,
        coalesce(c.completed_late, 0) as completed_late,
        coalesce(c.completed_timing_unknown, 0) as completed_timing_unknown,
        coalesce(c.overdue, 0) as overdue,
        coalesce(c.in_progress, 0) as in_progress,
        coalesce(c.no_deadline, 0) as no_deadline,
        coalesce(c.cancelled, 0) as cancelled
    from dates
    left join counted as c on c.d = dates.d
)

select * from final
order by as_of
