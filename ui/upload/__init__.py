"""The upload page (pages/upload.py) as a workflow, one module per step.

- `context`: what every step needs (the view, the user, the database, the language) and the
  page's typed state (`UploadState`, one session-state key);
- `choose`: step 0, the file, its task list box and as-of date, kept under its hash;
- `read`: the reading in the sandbox child (audited once per file);
- `source`: the question "which task list does the file belong to?";
- `mapping`: step 1, how the file was read (sheets, mapping, remembered layout, correction);
- `problems`: step 3, errors and warnings, questions about unknown agencies, annotated copy;
- `preview`: step 2, the tasks read, judged by the store's rule;
- `changes`: step 4, what the upload changes, figures before and after, the refusals;
- `confirm`: the confirm button, the commit, the message after it;
- `templates_tab`: the second tab (blank template, an agency's tasks);
- `text`: every text of the page.

The decisions that need no Streamlit are in analytics.upload_plan.
"""
