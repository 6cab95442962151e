"""问责整改: the accountability register and the rectification cycle (Qt-free).

- :mod:`.measures` — record, correct, void measures; the register's filters, totals (through
  :mod:`effdesk.services.measure_counts`), per-person and per-unit history, the 效能告诫 count;
  proposals prefilled from a concluded complaint, a verified finding or a circular
- :mod:`.rectification` — the cycle 待整改 → 整改中 → 已整改 (or back to 待整改 after a failed
  check; 逾期未整改 past the deadline), its list, view and 待办
- :mod:`.notice` — the 整改通知书 / 督办通知书 as an official document

Every mutating call checks the permission matrix, takes ``expected_version`` (None skips the
check), writes the audit trail, and raises domain errors (ValidationErrors with the form's
field names, TransitionNotAllowed, PermissionDenied, ConcurrentEditError, NotFound).

The package imports none of them itself (``from effdesk.services.accountability import
rectification`` loads that one): the dashboard's 待办 needs the rectification queries, not the
notice's document machinery, at every start.
"""
