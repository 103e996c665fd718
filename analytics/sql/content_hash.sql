-- The content hash of a task version: decides whether a task changed between two snapshots.
-- An expression over the content columns (task id and provenance are left out), inlined where
-- {content_hash} appears. DuckDB's 64-bit hash() is about 7x cheaper than md5 over a JSON
-- rendering; it is only compared between versions of the same task id, and the store
-- recomputes every stored hash when the DuckDB version or this expression changes (meta key
-- content_hash). The task attributes (assigning document, date assigned, leader, the agency's
-- comment, progress text) are content: a changed one is a new version.
hash(
    grp, title, lead_ids, lead_text, support_ids, support_text, product, deadline,
    deadline_text, deadline_kind, status_text, status_class, completion_date, difficult,
    priority, causes, proposals, notes, result, id_derived,
    source_doc, assigned_date, leader, agency_comment, progress
)::varchar
