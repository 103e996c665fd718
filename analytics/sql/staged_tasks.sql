-- The new snapshot's tasks, with the content hash that decides whether a version is new.
-- Reads the registered arrow table incoming; provenance is left out of the hash. The store
-- keeps it as the temp table stage, or as a view when every task is new (nothing to compare).
with

incoming_tasks as (
    select * from incoming
),

final as (
    select
        task_id,
        {content_hash} as content_hash,
        grp, title, lead_ids, lead_text, support_ids, support_text, product, deadline,
        deadline_text, deadline_kind, status_text, status_class, completion_date, difficult,
        priority, causes, proposals, notes, result, id_derived,
        source_doc, assigned_date, leader, agency_comment, progress,
        origin_snapshot, origin_sheet, origin_row
    from incoming_tasks
)

select * from final
