-- The task store. Every accepted file is a snapshot; task content is stored once per change
-- as a version valid over a range of the source's snapshot sequence [from_seq, to_seq).
-- One column per line: analytics/store/connection.py counts them to see whether a file lacks any.
create table if not exists meta (
    key varchar,
    value varchar
);

create table if not exists blobs (
    sha256 varchar primary key,
    size_bytes bigint not null,
    data blob not null,
    first_seen timestamp not null
);

create table if not exists snapshots (
    snapshot_id integer not null,
    source varchar not null,
    as_of date not null,
    seq integer,
    uploaded_at timestamp not null,
    uploaded_by varchar,
    file_name varchar,
    file_sha256 varchar,
    sheet varchar,
    header_row integer,
    kind varchar not null,
    update_agencies varchar[],
    n_tasks integer not null,
    n_warnings integer not null,
    status varchar not null,
    status_changed_at timestamp,
    status_changed_by varchar
);

create table if not exists task_versions (
    source varchar not null,
    task_id varchar not null,
    from_seq integer not null,
    to_seq integer,
    content_hash varchar not null,
    grp varchar,
    title varchar not null,
    lead_ids varchar[] not null,
    lead_text varchar,
    support_ids varchar[],
    support_text varchar,
    product varchar,
    deadline date,
    deadline_text varchar,
    deadline_kind varchar,
    status_text varchar,
    status_class varchar,
    completion_date date,
    difficult boolean,
    priority varchar,
    causes varchar,
    proposals varchar,
    notes varchar,
    result varchar,
    id_derived boolean,
    origin_snapshot integer,
    origin_sheet varchar,
    origin_row integer,
    source_doc varchar,
    assigned_date date,
    leader varchar,
    agency_comment varchar,
    progress varchar
);

-- Columns added to task_versions after database files were made with it: a file made before
-- gets them when it is opened (analytics/store/connection.py _ensure_schema looks for each one named here).
alter table task_versions add column if not exists source_doc varchar;
alter table task_versions add column if not exists assigned_date date;
alter table task_versions add column if not exists leader varchar;
alter table task_versions add column if not exists agency_comment varchar;
alter table task_versions add column if not exists progress varchar;

-- Where each task of a snapshot was read (the "file, sheet, row" a task table shows): the
-- snapshot whose file gave the task (file_snapshot: this one, or, for a task this snapshot
-- carried over without its file giving it, such as an agency's file or a held-back row, the
-- one that did), its sheet and row there. One row per task per snapshot, written with the
-- snapshot (analytics/sql/task_rows_add.sql): a task unchanged since an earlier file keeps one
-- version in task_versions, whose origin names that earlier file; this names the file the
-- figures of each date come from. Snapshots made before it have no rows (tasks_at.sql then
-- falls back on the version's origin).
create table if not exists task_rows (
    snapshot_id integer not null,
    task_id varchar not null,
    file_snapshot integer not null,
    sheet varchar,
    row_no integer
);

create table if not exists ingest_warnings (
    snapshot_id integer not null,
    row_no integer,
    col varchar,
    value varchar,
    code varchar,
    message varchar,
    message_vi varchar
);

create table if not exists agencies (
    agency_id varchar not null,
    name_vi varchar not null,
    name_en varchar,
    agency_type varchar not null
);

-- The agency register kept in the store (analytics/agency_units.py): units inside a ministry,
-- a ministerial-level or government agency, or a province (parent_id), and other names of
-- agencies (alias_key: the matching key of alias_text). Rows are only ever added.
create table if not exists agency_units (
    agency_id varchar not null,
    parent_id varchar not null,
    name_vi varchar not null,
    name_en varchar,
    created_at timestamp not null,
    created_by varchar
);

create table if not exists agency_aliases (
    alias_key varchar not null,
    alias_text varchar not null,
    agency_id varchar not null,
    created_at timestamp not null,
    created_by varchar
);

-- Rows of a file held back from its snapshot (the valid rows committed without them): one line
-- per error of a row. task_id: the id the row gives, else the one derived from it; lead_ids:
-- its known lead agencies (who may see it); kept_previous: the task's previous version stayed
-- in force in this snapshot instead of the row.
create table if not exists held_back_rows (
    snapshot_id integer not null,
    sheet varchar,
    row_no integer not null,
    col varchar,
    value varchar,
    code varchar not null,
    message varchar not null,
    message_vi varchar not null,
    task_id varchar,
    lead_ids varchar[],
    kept_previous boolean not null
);

-- Dashboard accounts (analytics/accounts.py): the role is read from here on every request;
-- agency_ids: the agencies of an agency role; the password only as an argon2id hash.
create table if not exists users (
    username varchar primary key,
    display_name varchar,
    role varchar not null,
    agency_ids varchar[] not null,
    password_hash varchar,
    disabled boolean not null default false,
    created_at timestamp not null,
    updated_at timestamp not null
);

-- Failed sign-ins, by username and client (analytics/throttle.py; client: an IPv4 address, an
-- IPv6 /64, or 'local'). The delay before a pair's next attempt grows with its failures; 5 within
-- 15 minutes lock that pair only, 20 from one client lock that client for every username.
-- outcome: failure | throttled (tried while waiting). A success or an unlock removes the pair's
-- rows; rows older than the window are removed (the audit log keeps every attempt).
create table if not exists signin_failures (
    username varchar not null,
    client varchar not null,
    ts timestamp not null,
    outcome varchar not null
);

-- Sign-in lockouts: a (username, client) pair, or one client for every username (username
-- '*'), refused until locked_until unless an administrator cleared it (cleared_at, cleared_by).
-- failures: the failures that started it, and the attempts refused during it.
create table if not exists signin_lockouts (
    username varchar not null,
    client varchar not null,
    locked_at timestamp not null,
    locked_until timestamp not null,
    failures integer not null,
    cleared_at timestamp,
    cleared_by varchar
);

-- The audit log (analytics/audit.py): rows only ever added. row_hash is the HMAC-SHA256, with a
-- key kept outside the store, of the row and of prev_hash (the hash of the row before it); chain
-- says which: 'hmac-sha256', or 'sha256' (NULL in files from before the column) for the unkeyed
-- SHA-256 of rows written before the key.
create table if not exists audit_log (
    id bigint not null,
    ts timestamp not null,
    username varchar,
    action varchar not null,
    target varchar,
    details varchar,
    outcome varchar not null,
    prev_hash varchar,
    row_hash varchar not null,
    chain varchar
);

-- Added to audit_log after database files were made with it (see task_versions above).
alter table audit_log add column if not exists chain varchar;

-- Column mappings confirmed on the upload page, offered again for a file of the same layout
-- (analytics/layouts.py): fingerprint of the sheet name and header row, the mapping (canonical
-- field -> 0-based column) and the header texts as JSON; uses: how often it was confirmed.
create table if not exists upload_layouts (
    fingerprint varchar not null,
    sheet varchar,
    header_row integer not null,
    mapping_json varchar not null,
    headers_json varchar,
    source varchar,
    confirmed_by varchar,
    confirmed_at timestamp not null,
    uses integer not null
);

-- Agencies report back (analytics/reporting/, issue 15). Rows are only added or given a
-- decision; nothing here is deleted. A task is (source, task_id), the id summary and exports show.

-- A progress report on one task, versioned: each save is a new row (version 1, 2, ... per
-- task); the latest row not undone is the one in force. status_reported: not_started |
-- in_progress | stuck | completed; cause_codes: analytics.reporting.CAUSES; confidence:
-- green | amber_green | amber | amber_red | red; channel: app | file | cli; evidence_sha256:
-- the evidence file in blobs.
create table if not exists task_reports (
    report_id integer not null,
    source varchar not null,
    task_id varchar not null,
    version integer not null,
    reported_at timestamp not null,
    reported_by varchar not null,
    channel varchar not null,
    status_reported varchar,
    completed_on date,
    evidence_text varchar,
    evidence_sha256 varchar,
    evidence_name varchar,
    progress_note varchar,
    cause_codes varchar[],
    cause_text varchar,
    commitment_date date,
    proposals varchar,
    confidence varchar,
    undone_at timestamp,
    undone_by varchar
);

-- A completion reported by an agency, awaiting the steering office: state pending | confirmed
-- | returned | withdrawn (its report undone by its author). A confirmed claim completes the
-- task on completed_on in every figure.
create table if not exists completion_claims (
    claim_id integer not null,
    source varchar not null,
    task_id varchar not null,
    report_id integer,
    completed_on date not null,
    evidence_text varchar not null,
    evidence_sha256 varchar,
    claimed_at timestamp not null,
    claimed_by varchar not null,
    state varchar not null,
    decided_at timestamp,
    decided_by varchar,
    decision_reason varchar
);

-- A request to move a task's deadline: state pending | approved | rejected | withdrawn.
-- deadline_before: the deadline in force when it was asked for. An approved request moves the
-- deadline the figures judge by (the original stays: a switch judges by it).
create table if not exists deadline_requests (
    request_id integer not null,
    source varchar not null,
    task_id varchar not null,
    deadline_before date,
    requested_deadline date not null,
    reason varchar not null,
    requested_at timestamp not null,
    requested_by varchar not null,
    state varchar not null,
    decided_at timestamp,
    decided_by varchar,
    decision_reason varchar
);

-- A task taken off the list by the steering office, with its reason and document: shown as
-- cancelled, never deleted. revoked_at: the cancellation was withdrawn.
create table if not exists task_cancellations (
    cancel_id integer not null,
    source varchar not null,
    task_id varchar not null,
    reason varchar not null,
    document varchar not null,
    cancelled_at timestamp not null,
    cancelled_by varchar not null,
    revoked_at timestamp,
    revoked_by varchar
);

-- A task an agency's file sent that the list does not have: a proposal the steering office
-- accepts (the task joins the list in a new snapshot) or declines. task_json: the task as read.
create table if not exists task_proposals (
    proposal_id integer not null,
    snapshot_id integer,
    source varchar not null,
    task_id varchar not null,
    title varchar not null,
    lead_ids varchar[] not null,
    task_json varchar not null,
    proposed_at timestamp not null,
    proposed_by varchar,
    state varchar not null,
    decided_at timestamp,
    decided_by varchar,
    decision_reason varchar
);

-- A report round opened by the steering office: agencies (null: all) report by due_on.
create table if not exists report_rounds (
    round_id integer not null,
    title varchar not null,
    due_on date not null,
    agency_ids varchar[],
    opened_at timestamp not null,
    opened_by varchar not null,
    closed_at timestamp,
    closed_by varchar
);

-- A signed-in browser (analytics/sessions.py): only the SHA-256 of its cookie's token is kept.
-- client: the address it signed in from ('handoff': the one-time code that sets the cookie).
create table if not exists user_sessions (
    token_hash varchar not null,
    username varchar not null,
    created_at timestamp not null,
    last_seen_at timestamp not null,
    expires_at timestamp not null,
    revoked_at timestamp,
    client varchar
);

-- Every pull of a connected source (analytics/connectors/pull.py, `python -m analytics pull`):
-- status 'new_snapshot' | 'unchanged' | 'rejected' | 'unreachable'; content_hash: the SHA-256
-- of the payload's bytes (null when nothing came); errors: a JSON list of the problems (as the
-- command's JSON errors); detail: what was fetched (a URL without credentials, a file, a query).
create table if not exists source_pulls (
    pull_id integer not null,
    source_name varchar not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    status varchar not null,
    content_hash varchar,
    snapshot_id integer,
    n_tasks integer,
    errors varchar,
    detail varchar
);

-- Who receives the daily cycle's files by e-mail (analytics/recipients.py, the Administration
-- page): kind 'leader' (the briefing PDF and the workbook) | 'agency' (only the file of
-- agency_id, which it requires). Rows are never deleted: a removed recipient is inactive
-- (active false), and every change is in the audit log.
create table if not exists recipients (
    recipient_id integer not null,
    email varchar not null,
    name varchar,
    kind varchar not null,
    agency_id varchar,
    active boolean not null,
    created_at timestamp not null,
    created_by varchar,
    updated_at timestamp not null,
    updated_by varchar
);

-- Every message the daily cycle sent or tried to send (analytics/delivery.py, `python -m
-- analytics daily`): run_id numbers the runs; day: the day of the files; status 'sent' |
-- 'failed'; files: the attachments' names; tries: the attempts made; reason_code, reason,
-- reason_vi: why it failed, in plain words (never a password). The Data page shows the last run.
create table if not exists deliveries (
    delivery_id integer not null,
    run_id integer not null,
    day date not null,
    sent_at timestamp not null,
    recipient_id integer,
    email varchar not null,
    kind varchar not null,
    agency_id varchar,
    files varchar[],
    outcome varchar not null,  -- sent | failed | skipped
    tries integer not null,
    reason_code varchar,
    reason varchar,
    reason_vi varchar
);
