"""Status colours used everywhere (dashboard, PDF, Excel): Okabe–Ito, safe for colour-blind
readers, each paired with a pattern so that a grey print still tells them apart."""

STATUS_ORDER = (
    "completed_on_time",
    "completed_late",
    "completed_timing_unknown",
    "in_progress",
    "overdue",
    "no_deadline",
)
# Cancelled tasks are shown apart, never in the split above (lists, filters, their own count).
LISTED_STATUS_ORDER = (*STATUS_ORDER, "cancelled")
STATUS_COLORS = {
    "completed_on_time": "#009E73",  # bluish green
    "completed_late": "#E69F00",  # orange
    "completed_timing_unknown": "#56B4E9",  # sky blue
    "in_progress": "#0072B2",  # blue
    "overdue": "#D55E00",  # vermillion
    "no_deadline": "#999999",  # grey
    "cancelled": "#CC79A7",  # reddish purple
}
STATUS_PATTERNS = {
    "completed_on_time": "",
    "completed_late": "/",
    "completed_timing_unknown": ".",
    "in_progress": "",
    "overdue": "x",
    "no_deadline": "-",
    "cancelled": "",
}
