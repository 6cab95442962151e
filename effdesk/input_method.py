"""Chinese input on Linux: does this session use an input method EffDesk's Qt can talk to?

The Qt of the PySide6 wheels (and so of the frozen app) has the ``ibus`` and ``compose``
input-context plugins only, no ``fcitx``; 统信UOS and 麒麟 default to fcitx. With fcitx the text
fields would silently take no Chinese. At start EffDesk looks at the session (``QT_IM_MODULE``,
``XMODIFIERS``, ``GTK_IM_MODULE``, the running input-method programs) and either

* switches Qt to ``ibus`` when that reaches the running input method (ibus itself, or fcitx5,
  which answers the ibus protocol through its ibus front end), or
* tells the user once, in Chinese, what to do.

Plain Python (no Qt): the decision is :func:`advise`, tested with made-up sessions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

# Plugin file name fragment → the QT_IM_MODULE name it serves.
_PLUGIN_MODULES = {
    "ibusplatforminputcontext": "ibus",
    "composeplatforminputcontext": "compose",
    "fcitx5platforminputcontext": "fcitx5",
    "fcitxplatforminputcontext": "fcitx",
}
# Input-method programs, as /proc/<pid>/comm names them (truncated to 15 characters).
_DAEMONS = {"fcitx5": "fcitx5", "fcitx": "fcitx", "ibus-daemon": "ibus"}

NOTICE_TITLE = "中文输入法提示"


@dataclass(frozen=True)
class Advice:
    """What to do before the QApplication exists: environment to set, a message to show once."""

    framework: str | None  # the input method the session uses: "fcitx", "fcitx5", "ibus"…
    set_env: Mapping[str, str] = field(default_factory=dict)
    message: str | None = None


def qt_modules(plugin_names: Iterable[str]) -> frozenset[str]:
    """QT_IM_MODULE names served by input-context plugin files (``libibus…plugin.so`` etc.)."""
    found = set()
    for name in plugin_names:
        lower = name.lower()
        for fragment, module in _PLUGIN_MODULES.items():
            if fragment in lower:
                found.add(module)
                break
    return frozenset(found)


def _requested(env: Mapping[str, str]) -> str | None:
    qt = env.get("QT_IM_MODULE", "").strip().lower()
    if qt:
        # Qt 6.7+ accepts a ';'-separated list; the first entry is what the desktop wants.
        return qt.split(";")[0].strip() or None
    xmod = env.get("XMODIFIERS", "").strip().lower()
    if xmod.startswith("@im="):
        return xmod.removeprefix("@im=") or None
    gtk = env.get("GTK_IM_MODULE", "").strip().lower()
    return gtk or None


def advise(
    env: Mapping[str, str], running: Iterable[str], available: frozenset[str], *, platform: str
) -> Advice:
    """The advice for a session: ``env`` its environment, ``running`` the names of running
    programs, ``available`` the QT_IM_MODULE names this Qt has plugins for."""
    if not platform.startswith("linux"):
        return Advice(None)  # Windows and macOS use the system's own input methods
    daemons = {_DAEMONS[p] for p in running if p in _DAEMONS}
    requested = _requested(env)
    if requested is None:
        # No variable set: the running program decides (fcitx5 before fcitx before ibus).
        requested = next((d for d in ("fcitx5", "fcitx", "ibus") if d in daemons), None)
    if requested is None or requested in available:
        return Advice(requested)
    framework = requested
    if framework == "ibus" and "ibus" not in available:
        return Advice(framework, message=_message_no_plugin(framework))
    # fcitx5 understands the ibus protocol (its ibus front end): Qt's ibus plugin reaches it.
    if "ibus" in available and ("fcitx5" in daemons or "ibus" in daemons):
        return Advice(framework, set_env={"QT_IM_MODULE": "ibus"})
    return Advice(framework, message=_message_no_plugin(framework))


def _message_no_plugin(framework: str) -> str:
    return (
        f"本机当前使用的输入法框架是「{framework}」，本程序内置的 Qt 界面库无法与它配合，"
        "在本程序的文本框中可能无法输入中文。\n\n"
        "解决办法（任选其一，需要管理员协助）：\n"
        "1. 改用 ibus 输入法：安装 ibus 和 ibus-libpinyin（拼音）或 ibus-table-wubi（五笔），"
        "在输入法设置中把 ibus 设为默认，注销后重新登录；\n"
        "2. 改用 fcitx5 输入法（统信UOS、麒麟的软件商店或 apt 可装）：本程序会自动通过它的"
        " ibus 兼容接口输入中文。\n\n"
        "在此之前，可以在其他程序中输入中文后复制、粘贴到本程序。本提示只显示一次。"
    )


def running_programs(proc: Path = Path("/proc")) -> set[str]:
    """Names of the running programs (Linux /proc; empty elsewhere)."""
    names = set()
    try:
        entries = list(proc.iterdir())
    except OSError:
        return set()
    for entry in entries:
        if entry.name.isdigit():
            try:
                names.add((entry / "comm").read_text(encoding="utf-8", errors="replace").strip())
            except OSError:
                continue  # the process ended or belongs to someone we may not look at
    return names


def session_advice(plugin_dir: Path) -> Advice:
    """The advice for this process's session, given Qt's ``platforminputcontexts`` folder."""
    names = [p.name for p in plugin_dir.glob("*")] if plugin_dir.is_dir() else []
    running = running_programs() if sys.platform.startswith("linux") else set()
    return advise(os.environ, running, qt_modules(names), platform=sys.platform)


def notice_marker(data_dir: Path, advice: Advice) -> Path:
    """The file that records the message for this input method was shown (shown once)."""
    return data_dir / f".notice-input-method-{advice.framework or 'none'}"
