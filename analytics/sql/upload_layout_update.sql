-- A layout's column mapping confirmed again (analytics/layouts.py remember): the newest
-- confirmation replaces the mapping, and the uses are counted.
update upload_layouts
set sheet = $sheet, header_row = $header_row, mapping_json = $mapping_json,
    headers_json = $headers_json, source = $source, confirmed_by = $confirmed_by,
    confirmed_at = $now, uses = uses + 1
where fingerprint = $fingerprint
