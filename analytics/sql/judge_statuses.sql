-- The status of each given row judged at $as_of, by the very expressions tasks_at.sql and
-- history_trend.sql use (sql/task_completed.sql and sql/task_status.sql): what
-- analytics.statuses.judge answers over plain values. The rows are the registered relation
-- judge_rows (i, status_class, deadline, completion_date); one row out per row in, by i.
with

given as (
    select i, status_class, deadline, completion_date from judge_rows
),

dated as (
    select *, $as_of::date as judged_on from given
),

judged as (
    select *, {task_completed} as completed from dated
),

statused as (
    select i, {task_status} as status from judged
),

final as (
    select i, status from statused
)

select * from final
order by i
