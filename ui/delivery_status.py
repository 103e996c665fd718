"""The last delivery of the daily cycle on the Data page (issue 17): when it ran, how many messages
went, and each failure with its reason (analytics/delivery.py `last_run`, the `deliveries`
table). For the steering office only (administrators and coordinators): the addresses are
people's."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics import delivery
from analytics.access import User
from analytics.i18n import fmt_date, fmt_int
from analytics.reporting.rules import vn_time
from ui import data, state


def section(view: state.View, user: User) -> None:
    if not user.allows("retract"):  # the steering office (admins and coordinators)
        return
    st.subheader(view.t("daily.last_delivery"))
    frame = delivery.last_run(data.db())
    if frame.empty:
        st.caption(view.t("daily.no_delivery"))
        return
    n = {s: int((frame["outcome"] == s).sum()) for s in ("sent", "failed", "skipped")}
    st.caption(
        view.t(
            "daily.delivery_line",
            when=vn_time(pd.Timestamp(frame["sent_at"].max()).to_pydatetime()),
            day=fmt_date(frame["day"].iloc[0], view.lang),
            sent=fmt_int(n["sent"], view.lang),
            failed=fmt_int(n["failed"], view.lang),
            skipped=fmt_int(n["skipped"], view.lang),
        )
    )
    if not n["failed"]:
        st.success(view.t("daily.delivery_ok"))
    else:
        st.error(view.t("daily.delivery_failed", n=fmt_int(n["failed"], view.lang)))
    unsent = frame.loc[frame["outcome"] != "sent"]
    if unsent.empty:
        return
    agencies = data.agencies()
    reason = unsent["reason_vi"] if view.lang == "vi" else unsent["reason"]
    table = pd.DataFrame(
        {
            view.t("daily.email"): unsent["email"],
            view.t("daily.kind"): unsent["kind"].map(lambda k: view.t(f"daily.kind_{k}")),
            view.t("col.agency"): unsent["agency_id"].map(
                lambda a: state.agency_label(agencies, a, view.lang) if isinstance(a, str) else ""
            ),
            view.t("col.state"): unsent["outcome"].map(lambda s: view.t(f"daily.status_{s}")),
            view.t("daily.col_files"): unsent["files"].map(
                lambda f: ", ".join(f) if f is not None else ""
            ),
            view.t("daily.col_tries"): unsent["tries"].astype("int64"),
            view.t("review.reason"): reason.fillna(""),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch", key="data_delivery_failures")
