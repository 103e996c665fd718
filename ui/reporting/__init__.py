"""The reporting-back pages' Streamlit parts (issue 15). "Nhiệm vụ của đơn vị / My tasks"
(pages/my_tasks.py): `my_tasks` (who, which tasks, the table editor), `my_task_detail` (one
task: the form, versions and undo, the deadline request), `saving` (the saves, plain values in
and out), `rows` (pure). The review page's part is `review`."""
