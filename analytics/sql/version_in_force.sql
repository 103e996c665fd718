-- A task version (alias v) is in force in a snapshot of its source (alias s, with the snapshot's
-- position seq in its source's sequence) when seq lies in the version's range [from_seq, to_seq).
-- The join condition inlined where {version_in_force} appears (tasks_at.sql, source_docs_at.sql,
-- history_trend.sql, carry_over_others.sql, carry_over_held_back.sql).
v.source = s.source
and v.from_seq <= s.seq
and (v.to_seq is null or v.to_seq > s.seq)
