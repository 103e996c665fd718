-- A task version (alias v) as the steering office's decisions (alias d, sql/task_decisions.sql)
-- make it: the deadline of an approved change (unless $judge_original asks for the deadline as
-- the file gave it), cancelled when cancelled, completed on the date of a confirmed claim when
-- the file gives no completion date. The replace list inlined where {decided_columns} appears
-- (tasks_at.sql, history_trend.sql): `select v.* replace ({decided_columns})`.
case
    when $judge_original or d.adjusted_deadline is null then v.deadline
    else d.adjusted_deadline
end as deadline,
case when d.cancelled_at is not null then 'cancelled' else v.status_class end as status_class,
coalesce(v.completion_date, d.confirmed_on) as completion_date
