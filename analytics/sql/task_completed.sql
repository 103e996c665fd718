-- Whether a task is completed at the date judged_on: an expression over the columns
-- status_class, completion_date and judged_on, inlined where {task_completed} appears
-- (tasks_at.sql, history_trend.sql). A completion date decides (on or before the date), else
-- the status words; a cancelled task is never completed.
case
    when status_class = 'cancelled' then false
    when completion_date is not null then completion_date <= judged_on
    else status_class in ('done_on_time', 'done_late', 'done_unspecified')
end
