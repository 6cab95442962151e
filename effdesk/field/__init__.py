"""The field laptop: campaigns taken offline and the findings brought back, as zip packages.

Office → laptop: :mod:`effdesk.field.campaign_package` (督查任务包). Laptop → office:
:mod:`effdesk.field.findings_package` (现场数据包). Both are read through
:mod:`effdesk.field.safezip`, which refuses hostile archives before anything is trusted.
"""
