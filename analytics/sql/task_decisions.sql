-- What agencies reported and the steering office decided about each task (source, task_id),
-- whatever the date the state is judged at (analytics/reporting/): the deadline of the latest
-- approved change, the completion date of the latest confirmed claim, the cancellation in force,
-- the claim and the deadline request awaiting a decision, and the latest progress report not
-- undone (its commitment, confidence, causes). A query, inlined as the body of a CTE where
-- {task_decisions} appears (tasks_at.sql, history_trend.sql); its columns are applied to a
-- version by sql/decided_columns.sql.
with

approved as (
    select source, task_id, requested_deadline, deadline_before, decided_at
    from deadline_requests
    where state = 'approved'
    qualify row_number() over (
        partition by source, task_id order by decided_at desc, request_id desc
    ) = 1
),

asked as (
    select source, task_id, request_id, requested_deadline
    from deadline_requests
    where state = 'pending'
    qualify row_number() over (partition by source, task_id order by request_id desc) = 1
),

confirmed as (
    select source, task_id, completed_on
    from completion_claims
    where state = 'confirmed'
    qualify row_number() over (
        partition by source, task_id order by decided_at desc, claim_id desc
    ) = 1
),

pending as (
    select source, task_id, claim_id, completed_on, evidence_text, claimed_at
    from completion_claims
    where state = 'pending'
    qualify row_number() over (partition by source, task_id order by claim_id desc) = 1
),

cancelled as (
    select source, task_id, cancelled_at, reason, document
    from task_cancellations
    where revoked_at is null
    qualify row_number() over (partition by source, task_id order by cancel_id desc) = 1
),

reported as (
    select *
    from task_reports
    where undone_at is null
    qualify row_number() over (partition by source, task_id order by version desc) = 1
),

keys as (
    select source, task_id from approved
    union
    select source, task_id from asked
    union
    select source, task_id from confirmed
    union
    select source, task_id from pending
    union
    select source, task_id from cancelled
    union
    select source, task_id from reported
),

final as (
    select
        k.source,
        k.task_id,
        a.requested_deadline as adjusted_deadline,
        a.decided_at as deadline_approved_at,
        q.request_id as deadline_request_id,
        q.requested_deadline as deadline_requested,
        c.completed_on as confirmed_on,
        p.claim_id,
        p.completed_on as claimed_on,
        p.evidence_text as claim_evidence,
        x.cancelled_at,
        x.reason as cancel_reason,
        x.document as cancel_document,
        r.report_id,
        r.version as report_version,
        r.reported_at,
        r.reported_by,
        r.status_reported,
        r.progress_note,
        r.cause_codes,
        r.cause_text,
        r.commitment_date,
        r.proposals as reported_proposals,
        r.confidence,
        r.evidence_text
    from keys as k
    left join approved as a on a.source = k.source and a.task_id = k.task_id
    left join asked as q on q.source = k.source and q.task_id = k.task_id
    left join confirmed as c on c.source = k.source and c.task_id = k.task_id
    left join pending as p on p.source = k.source and p.task_id = k.task_id
    left join cancelled as x on x.source = k.source and x.task_id = k.task_id
    left join reported as r on r.source = k.source and r.task_id = k.task_id
)

select * from final
