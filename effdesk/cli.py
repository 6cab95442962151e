"""The ``effdesk`` command: no subcommand opens the GUI; subcommands do admin work.

Subcommands live in ``effdesk/commands/<name>.py``; each module defines
``register(subparsers, ctx)`` and, if it renders documents, ``register_render(render_parsers,
ctx)`` for ``effdesk render <kind>``. User errors print a Chinese message and exit 2; bugs print
a short message, write the traceback to the log and exit 1.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import pkgutil
import sys
import traceback
from collections.abc import Sequence

from effdesk import commands
from effdesk.commands import CommandContext, Handler
from effdesk.errors import EffDeskError
from effdesk.paths import log_dir

EXIT_USER_ERROR = 2
EXIT_BUG = 1


def server_url(explicit: str | None) -> str | None:
    """``--db`` (a server URL without password gets the keyring's), else this PC's server
    profile (password from the keyring, else asked on a terminal; libpq's PGPASSWORD and
    .pgpass also work), else None: the local SQLite file."""
    from effdesk.db import profile as profiles
    from effdesk.security import keys

    if explicit is not None:
        server = explicit.startswith("postgresql")
        if server and keys.keyring_available():
            return keys.url_with_keyring_password(explicit)
        return explicit
    saved = profiles.load()
    if saved is None:
        return None
    password = keys.get_db_password(saved.url()) if keys.keyring_available() else None
    if password is None and sys.stdin.isatty() and not os.environ.get("PGPASSWORD"):
        import getpass

        password = getpass.getpass(f"数据库 {saved.label} 的密码：") or None
    return saved.url(password)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"effdesk：参数错误：{message}", file=sys.stderr)
        raise SystemExit(EXIT_USER_ERROR)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="effdesk", description="效能办桌面工作台 EffDesk")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="数据库地址，如 sqlite:///路径/effdesk.sqlite 或 postgresql+psycopg://用户@主机/库名",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    render = sub.add_parser("render", help="生成 PDF（表单、报告、公文）")
    render_sub = render.add_subparsers(dest="render_kind", metavar="类型", parser_class=_Parser)
    render_sub.required = True
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"effdesk.commands.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
        if hasattr(module, "register_render"):
            module.register_render(render_sub)
    return parser


def gui_request(argv: Sequence[str]) -> tuple[bool, str | None]:
    """Whether ``argv`` opens the GUI (no subcommand: nothing, or only ``--db URL``) and the
    URL, told apart without building the parser: the subcommands' modules (the demo
    generator, ReportLab…) are not imported at the GUI's start."""
    args = list(argv)
    if not args:
        return True, None
    if len(args) == 2 and args[0] == "--db" and not args[1].startswith("-"):
        return True, args[1]
    if len(args) == 1 and args[0].startswith("--db=") and len(args[0]) > len("--db="):
        return True, args[0].removeprefix("--db=")
    return False, None


def _run_gui(args: argparse.Namespace, _ctx: CommandContext) -> int:
    from effdesk.ui.app import run_gui  # imported late: the CLI must work without a display

    return int(run_gui(args.db))


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    gui, gui_url = gui_request(words)
    handler: Handler
    if gui:
        # Start-up: the cyclic garbage collector found almost nothing to free among the
        # objects the imports create and cost about a tenth of the start; run_gui turns it
        # back on (with those objects frozen) once the dashboard is filled.
        gc.disable()
        args = argparse.Namespace(command=None, db=gui_url)
    else:
        args = build_parser().parse_args(words)
    ctx = CommandContext(db_url=args.db)
    try:
        if args.command is not None:
            ctx.db_url = server_url(args.db)  # --db, else this PC's server profile, else SQLite
        handler = _run_gui if args.command is None else args.handler
        return int(handler(args, ctx))
    except EffDeskError as err:
        print(f"错误：{err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` and the like: the reader left, nothing went wrong.
        sys.stderr.close()
        return 0
    except Exception as exc:
        known = environment_error(exc)
        if known is not None:
            print(f"错误：{known}", file=sys.stderr)
            return EXIT_USER_ERROR
        log = log_dir() / "effdesk-cli.log"
        with log.open("a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        logging.getLogger("effdesk").exception("unexpected error")
        print(
            f"内部错误：程序出现异常，详细信息已写入 {log}，请发送给系统管理员。", file=sys.stderr
        )
        return EXIT_BUG
    finally:
        ctx.close()


def environment_error(exc: BaseException) -> str | None:
    """A disk or permission problem (not a bug) in Chinese, naming the file; else None.

    Whatever was being written was rolled back (one transaction) or removed (temp files).
    """
    import errno

    from effdesk.evidence.media import os_error_text

    if isinstance(exc, OSError) and exc.errno in _ENV_ERRNOS:
        where = f"：{exc.filename}" if exc.filename else ""
        if exc.errno == errno.EEXIST:
            return f"文件已存在{where}，未覆盖，未做任何改动。"
        if exc.errno == errno.EISDIR:
            return f"这是一个文件夹，需要的是文件路径{where}。未做任何改动。"
        if exc.errno == errno.ENOTDIR:
            return f"路径中有一部分是文件而不是文件夹{where}。未做任何改动。"
        return f"{os_error_text(exc)}{where}。操作未完成，已写入的部分已撤销，数据未丢失。"
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "database or disk is full" in text:
        return "磁盘空间不足，数据库无法写入。操作未完成并已撤销，数据未丢失；请腾出空间后重试。"
    if "readonly database" in text or "read-only" in text:
        return "数据库或其所在文件夹是只读的，无法写入。数据库并未损坏；请检查写入权限后重试。"
    return None


def _env_errnos() -> frozenset[int]:
    import errno

    return frozenset(
        {
            errno.ENOSPC,
            errno.EACCES,
            errno.EPERM,
            errno.EROFS,
            errno.EEXIST,
            errno.EISDIR,
            errno.ENOTDIR,
            errno.ENOENT,
            errno.EIO,
            getattr(errno, "EDQUOT", errno.ENOSPC),
        }
    )


_ENV_ERRNOS = _env_errnos()


if __name__ == "__main__":
    raise SystemExit(main())
