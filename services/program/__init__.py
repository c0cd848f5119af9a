"""The center's program rules that two services apply, each to its own read side: a document's review
status, a guardian's online-session report and what a group still owes (activity to its views, reporting
to its read models). Not a service: no app, no worker, no events of its own."""
