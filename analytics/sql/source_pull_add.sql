-- One pull of a connected source (analytics/connectors/pull.py), numbered after the last.
insert into source_pulls
select
    coalesce((select max(pull_id) from source_pulls), 0) + 1 as pull_id,
    $source_name as source_name,
    $started_at as started_at,
    $finished_at as finished_at,
    $status as status,
    $content_hash as content_hash,
    $snapshot_id as snapshot_id,
    $n_tasks as n_tasks,
    $errors as errors,
    $detail as detail
returning pull_id
