-- Remembered column mappings (analytics/layouts.py): the layout $fingerprint, or every layout
-- when it is null; the most recently confirmed first, at most $limit.
with

layouts as (
    select * from upload_layouts
),

chosen as (
    select
        fingerprint, sheet, header_row, mapping_json, headers_json, source, confirmed_by,
        confirmed_at, uses
    from layouts
    where $fingerprint is null or fingerprint = $fingerprint
),

final as (
    select * from chosen
    order by confirmed_at desc
    limit $limit
)

select * from final order by confirmed_at desc
