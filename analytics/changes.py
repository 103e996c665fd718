"""What changed between two states of the task list (two dates, or the store and an upload)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.metrics import COMPLETED

KEY = ["source", "task_id"]


@dataclass(frozen=True)
class Changes:
    new: pd.DataFrame  # in after only
    removed: pd.DataFrame  # in before only
    newly_completed: pd.DataFrame  # not completed before, completed after
    newly_overdue: pd.DataFrame  # not overdue before, overdue after
    deadline_moved: pd.DataFrame  # both; deadline differs (columns deadline_before, deadline_after)
    status_changed: pd.DataFrame  # both; status differs (status_before, status_after)

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "removed": len(self.removed),
            "newly_completed": len(self.newly_completed),
            "newly_overdue": len(self.newly_overdue),
            "deadline_moved": len(self.deadline_moved),
            "status_changed": len(self.status_changed),
        }


def compare(before: pd.DataFrame, after: pd.DataFrame) -> Changes:
    """Match tasks by (source, task_id) and classify the differences."""
    b = before.set_index(KEY, drop=False) if len(before) else before
    a = after.set_index(KEY, drop=False) if len(after) else after
    b_keys = set(b.index) if len(b) else set()
    a_keys = set(a.index) if len(a) else set()
    new = a.loc[sorted(a_keys - b_keys)] if a_keys - b_keys else after.iloc[0:0]
    removed = b.loc[sorted(b_keys - a_keys)] if b_keys - a_keys else before.iloc[0:0]
    both = sorted(a_keys & b_keys)
    if not both:
        empty = after.iloc[0:0]
        return Changes(
            new.reset_index(drop=True), removed.reset_index(drop=True), empty, empty, empty, empty
        )
    ab = a.loc[both]
    bb = b.loc[both]
    was_done = bb["status"].isin(COMPLETED).to_numpy()
    is_done = ab["status"].isin(COMPLETED).to_numpy()
    newly_completed = ab[~was_done & is_done]
    newly_overdue = ab[
        (bb["status"].to_numpy() != "overdue") & (ab["status"].to_numpy() == "overdue")
    ]
    d_before = pd.to_datetime(bb["deadline"]).to_numpy()
    d_after = pd.to_datetime(ab["deadline"]).to_numpy()
    moved_mask = ~((d_before == d_after) | (pd.isna(d_before) & pd.isna(d_after)))
    moved = ab[moved_mask].assign(
        deadline_before=bb["deadline"].to_numpy()[moved_mask],
        deadline_after=ab["deadline"].to_numpy()[moved_mask],
    )
    st_mask = bb["status"].to_numpy() != ab["status"].to_numpy()
    status_changed = ab[st_mask].assign(
        status_before=bb["status"].to_numpy()[st_mask],
        status_after=ab["status"].to_numpy()[st_mask],
    )
    return Changes(
        new=new.reset_index(drop=True),
        removed=removed.reset_index(drop=True),
        newly_completed=newly_completed.reset_index(drop=True),
        newly_overdue=newly_overdue.reset_index(drop=True),
        deadline_moved=moved.reset_index(drop=True),
        status_changed=status_changed.reset_index(drop=True),
    )
