-- A layout's column mapping confirmed for the first time (analytics/layouts.py remember).
insert into upload_layouts (
    fingerprint, sheet, header_row, mapping_json, headers_json, source, confirmed_by,
    confirmed_at, uses
)
values (
    $fingerprint, $sheet, $header_row, $mapping_json, $headers_json, $source, $confirmed_by,
    $now, 1
)
