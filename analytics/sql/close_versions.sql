-- Close, at sequence number $seq, the open versions of $source opened before it that the new
-- snapshot's tasks (the temp table stage) do not continue with the same content: the task
-- changed, or it is no longer in the list.
update task_versions as v
set to_seq = $seq
where v.source = $source
  and v.to_seq is null
  and v.from_seq < $seq
  and not exists (
      select 1 from stage as s
      where s.task_id = v.task_id and s.content_hash = v.content_hash
  )
