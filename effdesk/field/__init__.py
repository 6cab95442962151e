"""The field laptop's package formats: campaigns taken offline and findings brought back, as zips.

Office → laptop: :mod:`effdesk.field.campaign_package` (督查任务包). Laptop → office:
:mod:`effdesk.field.findings_package` (现场数据包). Both are read through
:mod:`effdesk.field.safezip`, which refuses hostile archives before anything is trusted. This
package holds the formats only; exporting, packing, opening and importing them are services in
:mod:`effdesk.services.inspections` (``field_export``, ``field_import``).
"""
