"""Chinese input on Linux: which sessions Qt's ibus/compose plugins serve, and the advice."""

from __future__ import annotations

from pathlib import Path

from effdesk.input_method import (
    advise,
    notice_marker,
    qt_modules,
    running_programs,
)

PYPI_QT = qt_modules(
    ["libibusplatforminputcontextplugin.so", "libcomposeplatforminputcontextplugin.so"]
)


def test_plugin_files_name_the_modules_they_serve() -> None:
    assert {"ibus", "compose"} == PYPI_QT
    assert qt_modules(["libfcitx5platforminputcontextplugin.so"]) == {"fcitx5"}
    assert qt_modules(["libfcitxplatforminputcontextplugin.so"]) == {"fcitx"}
    assert qt_modules(["qtvirtualkeyboardplugin.dll"]) == frozenset()


def test_ibus_session_needs_nothing() -> None:
    advice = advise({"QT_IM_MODULE": "ibus"}, {"ibus-daemon"}, PYPI_QT, platform="linux")
    assert advice.framework == "ibus"
    assert advice.set_env == {}
    assert advice.message is None


def test_fcitx4_session_gets_a_chinese_message() -> None:
    # UOS 20 / Kylin V10 default: fcitx 4, announced through the variables.
    env = {"QT_IM_MODULE": "fcitx", "XMODIFIERS": "@im=fcitx", "GTK_IM_MODULE": "fcitx"}
    advice = advise(env, {"fcitx", "Xorg"}, PYPI_QT, platform="linux")
    assert advice.framework == "fcitx"
    assert advice.set_env == {}
    assert advice.message is not None
    assert "fcitx" in advice.message and "ibus" in advice.message and "复制" in advice.message


def test_fcitx5_session_is_routed_through_its_ibus_front_end() -> None:
    advice = advise({"QT_IM_MODULE": "fcitx"}, {"fcitx5"}, PYPI_QT, platform="linux")
    assert advice.set_env == {"QT_IM_MODULE": "ibus"}
    assert advice.message is None


def test_fcitx_requested_while_ibus_daemon_runs_uses_ibus() -> None:
    advice = advise({"QT_IM_MODULE": "fcitx"}, {"fcitx", "ibus-daemon"}, PYPI_QT, platform="linux")
    assert advice.set_env == {"QT_IM_MODULE": "ibus"}


def test_no_variables_the_running_program_decides() -> None:
    assert advise({}, {"fcitx"}, PYPI_QT, platform="linux").message is not None
    assert advise({}, {"fcitx5"}, PYPI_QT, platform="linux").set_env == {"QT_IM_MODULE": "ibus"}
    assert advise({}, {"ibus-daemon"}, PYPI_QT, platform="linux").message is None
    # No input method at all: nothing to say (an English-only session, a server).
    nothing = advise({}, {"bash"}, PYPI_QT, platform="linux")
    assert nothing.framework is None and nothing.message is None and nothing.set_env == {}


def test_xmodifiers_alone_names_the_framework() -> None:
    advice = advise({"XMODIFIERS": "@im=fcitx"}, set(), PYPI_QT, platform="linux")
    assert advice.framework == "fcitx"
    assert advice.message is not None


def test_qt_with_an_fcitx_plugin_is_left_alone() -> None:
    with_fcitx = PYPI_QT | {"fcitx"}
    advice = advise({"QT_IM_MODULE": "fcitx"}, {"fcitx"}, with_fcitx, platform="linux")
    assert advice.message is None and advice.set_env == {}


def test_a_list_in_qt_im_module_uses_its_first_entry() -> None:
    advice = advise({"QT_IM_MODULE": "fcitx;ibus"}, {"fcitx5"}, PYPI_QT, platform="linux")
    assert advice.framework == "fcitx"
    assert advice.set_env == {"QT_IM_MODULE": "ibus"}


def test_other_platforms_use_the_system_input_methods() -> None:
    for platform in ("win32", "darwin"):
        advice = advise({"QT_IM_MODULE": "fcitx"}, {"fcitx"}, frozenset(), platform=platform)
        assert advice.message is None and advice.set_env == {}


def test_running_programs_reads_proc(tmp_path: Path) -> None:
    for pid, comm in (("12", "fcitx5\n"), ("345", "ibus-daemon\n")):
        (tmp_path / pid).mkdir()
        (tmp_path / pid / "comm").write_text(comm, encoding="utf-8")
    (tmp_path / "self").mkdir()  # not a process number: skipped
    (tmp_path / "77").mkdir()  # a process that ended meanwhile: no comm, skipped
    assert running_programs(tmp_path) == {"fcitx5", "ibus-daemon"}
    assert running_programs(tmp_path / "missing") == set()


def test_notice_marker_is_per_framework(tmp_path: Path) -> None:
    fcitx = advise({"QT_IM_MODULE": "fcitx"}, set(), PYPI_QT, platform="linux")
    xim = advise({"QT_IM_MODULE": "xim"}, set(), PYPI_QT, platform="linux")
    assert xim.message is not None
    assert notice_marker(tmp_path, fcitx) != notice_marker(tmp_path, xim)
    assert notice_marker(tmp_path, fcitx).parent == tmp_path
