-- The task store. Every accepted file is a snapshot; task content is stored once per change
-- as a version valid over a range of the source's snapshot sequence [from_seq, to_seq).
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
    origin_row integer
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
