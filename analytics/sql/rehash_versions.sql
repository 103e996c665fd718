-- Recompute every stored content hash (run once after the DuckDB version changed, inside the
-- writing transaction, so old and new versions are always compared by the same function).
update task_versions set content_hash = {content_hash}
