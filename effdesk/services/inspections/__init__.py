"""明察暗访: the inspections service — campaigns, their targets and visits, findings, report data.

A campaign (督查活动) plans a round of checks of some units by a team. Each target unit shows
its progress (未检查 / 已检查·未发现问题 / 已检查·发现问题), derived from the visits and
findings recorded. A finding (督查发现问题) moves 待核实 → 已核实 → 已处理, or 待核实 → 不予认定;
the allowed moves and the permission each needs are one table, :data:`FINDING_TRANSITIONS`.

The same functions run in the office and on an inspector's field laptop ("field mode", see
:mod:`effdesk.field`): there, findings are marked as recorded in the field.

Import everything from here (``from effdesk.services import inspections``); the submodules are
an implementation detail:

- :mod:`.campaigns` — list, find, view, plan and move a campaign
- :mod:`.targets` — target progress and visits (office and field)
- :mod:`.findings` — record (office, field laptop, field package import: one body), correct,
  verify, list
- :mod:`.report` — what the inspection report prints
- :mod:`.choices` — categories and team candidates for the screens' pickers
- :mod:`.schema` — the plain values taken and returned; :mod:`._core` — the tables and plumbing

The field packages (督查任务包, 现场数据包) are services of their own, imported only where used
because they bring the evidence machinery with them: :mod:`.field_export` (export a campaign,
pack a laptop's findings) and :mod:`.field_import` (open a campaign package on a laptop, import
a findings package in the office); the package formats are :mod:`effdesk.field`.
"""

from effdesk.services.inspections._core import (
    CAMPAIGN_FIELDS,
    CAMPAIGN_TRANSITIONS,
    CLOCK_SKEW,
    FIELD_MODE_KEY,
    FINDING_FIELDS,
    FINDING_TRANSITIONS,
    LOCKED_FINDING_STATES,
    MAX_DESCRIPTION,
    OBSERVED_SLACK,
    TARGET_FIELDS,
    campaign_window,
    field_mode,
)
from effdesk.services.inspections.campaigns import (
    create_campaign,
    find_campaign,
    get_campaign,
    list_campaigns,
    set_campaign_status,
    update_campaign,
)
from effdesk.services.inspections.choices import list_categories, list_team_candidates
from effdesk.services.inspections.findings import (
    allowed_transitions,
    change_finding_status,
    check_finding,
    create_finding,
    get_finding,
    import_finding,
    list_findings,
    update_finding,
)
from effdesk.services.inspections.report import report_data
from effdesk.services.inspections.schema import (
    CampaignHead,
    CampaignInput,
    CampaignReport,
    CampaignRow,
    CampaignView,
    CategoryRow,
    FindingInput,
    FindingPersonInput,
    FindingPersonRow,
    FindingRow,
    FindingView,
    ImportedFinding,
    MemberRow,
    ReportEvidence,
    ReportFinding,
    ReportUnit,
    TargetRow,
    format_dates,
)
from effdesk.services.inspections.targets import (
    merge_field_visit,
    record_visit,
    refresh_target,
    target_rows,
)

__all__ = [
    "CAMPAIGN_FIELDS",
    "CAMPAIGN_TRANSITIONS",
    "CLOCK_SKEW",
    "FIELD_MODE_KEY",
    "FINDING_FIELDS",
    "FINDING_TRANSITIONS",
    "LOCKED_FINDING_STATES",
    "MAX_DESCRIPTION",
    "OBSERVED_SLACK",
    "TARGET_FIELDS",
    "CampaignHead",
    "CampaignInput",
    "CampaignReport",
    "CampaignRow",
    "CampaignView",
    "CategoryRow",
    "FindingInput",
    "FindingPersonInput",
    "FindingPersonRow",
    "FindingRow",
    "FindingView",
    "ImportedFinding",
    "MemberRow",
    "ReportEvidence",
    "ReportFinding",
    "ReportUnit",
    "TargetRow",
    "allowed_transitions",
    "campaign_window",
    "change_finding_status",
    "check_finding",
    "create_campaign",
    "create_finding",
    "field_mode",
    "find_campaign",
    "format_dates",
    "get_campaign",
    "get_finding",
    "import_finding",
    "list_campaigns",
    "list_categories",
    "list_findings",
    "list_team_candidates",
    "merge_field_visit",
    "record_visit",
    "refresh_target",
    "report_data",
    "set_campaign_status",
    "target_rows",
    "update_campaign",
    "update_finding",
]
