"""EffDesk (效能办桌面工作台): complaints, spot checks and official documents for efficiency offices."""

__version__ = "0.1.0"
APP_NAME = "EffDesk"
APP_TITLE = "效能办桌面工作台"
# The Linux package, .desktop file and icon name (reverse domain, UOS store rule).
APP_ID = "cn.effdesk.app"
