-- The status of a task judged at the date judged_on (analytics.model.STATUSES): an expression
-- over the columns completed ({task_completed}), status_class, deadline, completion_date and
-- judged_on, inlined where {task_status} appears (tasks_at.sql, history_trend.sql).
-- Cancelled whatever the dates; completed: on time or late by the dates, else by the words, else
-- on time without a deadline; not completed: no deadline, overdue (deadline before the date) or
-- in progress.
case
    when status_class = 'cancelled' then 'cancelled'
    when completed then
        case
            when completion_date is not null and deadline is not null then
                case when completion_date <= deadline
                    then 'completed_on_time' else 'completed_late' end
            when status_class = 'done_on_time' then 'completed_on_time'
            when status_class = 'done_late' then 'completed_late'
            when deadline is null then 'completed_on_time'
            else 'completed_timing_unknown'
        end
    when deadline is null then 'no_deadline'
    when deadline < judged_on then 'overdue'
    else 'in_progress'
end
