"""``effdesk backup``, ``restore``, ``verify``, ``backup-key`` and ``user`` subcommands.

Exit codes: 0 success; 2 a user error (message printed); 3 ``verify`` found problems (each
named on stderr).
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from effdesk import audit
from effdesk.auth import SYSTEM
from effdesk.enums import Role
from effdesk.errors import EffDeskError
from effdesk.paths import backup_dir, default_db_url
from effdesk.security import backup, keys
from effdesk.services import users

if TYPE_CHECKING:
    from effdesk.commands import CommandContext

EXIT_PROBLEMS = 3
_ROLE_CODES = {r.value: r for r in Role}


def register(sub: Any) -> None:
    p = sub.add_parser("backup", help="加密备份数据库和证据文件")
    p.add_argument(
        "--to", metavar="目录", type=Path, help="备份存放目录（默认：数据目录下 backups）"
    )
    p.add_argument(
        "--key-file",
        metavar="文件",
        type=Path,
        help="使用密钥文件而不是系统密钥环（文件不存在时新建密钥并写入）",
    )
    p.set_defaults(handler=_backup)

    r = sub.add_parser("restore", help="从加密备份恢复（先完整校验，原数据改名保留）")
    r.add_argument("file", metavar="备份文件", type=Path)
    g = r.add_mutually_exclusive_group()
    g.add_argument("--key-file", metavar="文件", type=Path, help="密钥文件")
    g.add_argument(
        "--recovery-key",
        metavar="恢复密钥",
        nargs="?",
        const="",
        help="使用打印保存的恢复密钥（不写值则提示输入）",
    )
    r.add_argument("--check", action="store_true", help="只校验备份文件，不恢复")
    r.set_defaults(handler=_restore)

    v = sub.add_parser("verify", help="校验审计日志哈希链、数据库完整性和证据文件")
    v.add_argument(
        "--key-file",
        metavar="文件",
        type=Path,
        help="用密钥文件认证审计锚点（本机系统密钥环中没有备份密钥时）",
    )
    v.add_argument(
        "--backup-dir",
        metavar="目录",
        type=Path,
        action="append",
        default=[],
        help="另外在此目录查找备份旁的审计锚点（可多次指定）",
    )
    v.set_defaults(handler=_verify)

    k = sub.add_parser("backup-key", help="显示本数据库备份密钥的恢复密钥（请打印保存）")
    k.add_argument("--write-key-file", metavar="文件", type=Path, help="同时写出一个密钥文件")
    k.set_defaults(handler=_backup_key)

    u = sub.add_parser("user", help="用户管理")
    us = u.add_subparsers(dest="user_command", metavar="操作")
    us.required = True
    add = us.add_parser("add", help="新增用户（显示一次性密码）")
    add.add_argument("username", metavar="用户名")
    add.add_argument("--name", metavar="姓名", required=True)
    add.add_argument(
        "--role",
        metavar="角色",
        action="append",
        required=True,
        choices=sorted(_ROLE_CODES),
        help="clerk 受理员 / inspector 督查员 / leader 领导 / admin 系统管理员（可多次指定）",
    )
    add.add_argument("--phone", default="")
    add.set_defaults(handler=_user_add)
    rp = us.add_parser("reset-password", help="重置密码（显示一次性密码，登录时须修改）")
    rp.add_argument("username", metavar="用户名")
    rp.set_defaults(handler=_user_reset)
    ls = us.add_parser("list", help="列出用户")
    ls.set_defaults(handler=_user_list)
    de = us.add_parser("deactivate", help="停用用户")
    de.add_argument("username", metavar="用户名")
    de.set_defaults(handler=_user_deactivate)
    bs = us.add_parser("bootstrap", help="首次运行：没有任何用户时创建 admin 并显示一次性密码")
    bs.set_defaults(handler=_user_bootstrap)


# --------------------------------------------------------------------------- backup / restore


def _print_recovery(choice: backup.KeyChoice) -> None:
    print()
    print("★ 已生成新的备份密钥。请立即抄写或打印下面的恢复密钥并妥善保管（不要与备份放在一起）：")
    print()
    print(f"    {choice.recovery_key}")
    print()
    print("  本机系统密钥环丢失（重装系统、换电脑）时，只有凭此恢复密钥才能恢复备份。")
    print()


def _backup(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    choice = backup.backup_key(db, key_file=args.key_file)
    if choice.created:
        _print_recovery(choice)
    dest = args.to or backup_dir()
    if dest.exists() and not dest.is_dir():
        raise EffDeskError(
            f"--to 指定的 {dest} 是一个已有的文件，不是文件夹。请指定一个文件夹"
            "（备份文件名由程序生成），原文件未做任何改动。"
        )
    result = backup.create_backup(db, dest, choice.key)
    mb = result.size / 1024 / 1024
    print(
        f"备份完成：{result.path}（{mb:.1f} MB，证据文件 {result.files} 个，"
        f"用时 {result.seconds:.1f} 秒）"
    )
    return 0


def _read_recovery_key(given: str) -> bytes:
    text = given
    if not text:
        if sys.stdin.isatty():
            text = getpass.getpass("请输入恢复密钥（14组，每组4个字母或数字）：")
        else:
            text = sys.stdin.readline()
    return keys.parse_recovery_key(text)


def _restore_key(args: argparse.Namespace) -> bytes:
    if args.key_file is not None:
        return keys.read_key_file(args.key_file)
    if args.recovery_key is not None:
        return _read_recovery_key(args.recovery_key)
    header = backup.inspect_archive(args.file)
    try:
        key = keys.get_backup_key(header.database_id)
    except keys.KeyringUnavailable as exc:
        raise EffDeskError(
            f"{exc}\n\n恢复时也可以用 --recovery-key 输入打印保存的恢复密钥。"
        ) from exc
    if key is None:
        raise EffDeskError(
            "本机系统密钥环中没有这个备份的密钥（数据库标识 "
            f"{header.database_id}）。请用 --recovery-key 输入打印保存的恢复密钥，"
            "或用 --key-file 指定密钥文件。未做任何改动。"
        )
    return key


def _restore(args: argparse.Namespace, ctx: CommandContext) -> int:
    path: Path = args.file
    if not path.is_file():
        raise EffDeskError(f"找不到备份文件 {path}。")
    key = _restore_key(args)
    if args.check:
        manifest = backup.verify_archive(path, key)
        print(
            f"备份文件完好：{path.name}（备份时间 {manifest.created_at}，"
            f"证据文件 {manifest.files} 个，审计日志至第 {manifest.audit_head_seq} 条）"
        )
        return 0
    url = ctx.db_url or default_db_url()
    ctx.close()  # no connection of ours may stay open on the file being replaced
    result = backup.restore_backup(path, key, url)
    print(f"恢复完成：{result.database}（备份时间 {result.manifest.created_at}）")
    if result.kept_database is not None:
        print(f"原数据库已保留为：{result.kept_database}")
    if result.kept_files is not None:
        print(f"原证据文件夹已保留为：{result.kept_files}")
    return 0


def _backup_key(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    choice = backup.backup_key(db, create=True)
    if choice.created:
        _print_recovery(choice)
    else:
        print(f"数据库标识：{choice.database_id}")
        print(f"恢复密钥：{choice.recovery_key}")
    if args.write_key_file is not None:
        keys.write_key_file(args.write_key_file, choice.key)
        print(f"密钥文件已写入 {args.write_key_file}，请保存在安全处。")
    return 0


# --------------------------------------------------------------------------- verify


def _verify(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    bad = 0
    if db.backend == "sqlite":
        with db.engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
        if rows != ["ok"]:
            bad += len(rows)
            for r in rows:
                print(f"数据库完整性：{r}", file=sys.stderr)
        else:
            print("数据库完整性检查：通过")
    bad += _verify_structure(db)
    with db.session() as s:
        problems = audit.verify_chain(s)
        seq, _hash = audit.chain_head(s)
    if problems:
        bad += len(problems)
        for p in problems:
            print(str(p), file=sys.stderr)
        print(f"审计日志：发现 {len(problems)} 处问题（共 {seq} 条）", file=sys.stderr)
    else:
        print(f"审计日志哈希链：完好（共 {seq} 条）")
    bad += _verify_anchor(db, args.key_file, args.backup_dir, clean=not bad)
    bad += _verify_evidence(db)
    if bad:
        print(f"校验未通过：共 {bad} 处问题。", file=sys.stderr)
        return EXIT_PROBLEMS
    print("校验通过。")
    return 0


def _verify_structure(db: Any) -> int:
    """A whole office database: users and an audit trail, every index and trigger the
    migrations define, number series not behind the numbers given."""
    from effdesk.security import structure

    not_office = structure.office_problems(db)
    if not_office:
        print(
            f"这不是 EffDesk 办公数据库（{'、'.join(not_office)}）：{db.url}。"
            "请确认 --db 路径是否正确。",
            file=sys.stderr,
        )
    problems = structure.missing_objects(db) + structure.series_problems(db)
    for p in problems:
        print(f"数据库结构：{p}", file=sys.stderr)
    if problems:
        print(
            "数据库结构不完整（可能是生成或导入过程被中断），请从备份恢复或重新生成。",
            file=sys.stderr,
        )
    else:
        print("数据库结构（索引、触发器、编号序列）：完整")
    return len(not_office) + len(problems)


def _verify_anchor(db: Any, key_file: Path | None, dirs: list[Path], *, clean: bool) -> int:
    """The log against the local mark and the backups' anchors: nothing cut off or rewritten
    since (effdesk/security/anchors.py). Returns the number of problems."""
    key = None
    if key_file is not None:
        if not key_file.is_file():
            raise EffDeskError(f"找不到密钥文件 {key_file}。")
        key = keys.read_key_file(key_file)
    report = backup.check_database(db, key, folders=dirs, advance=clean)
    if report is None:
        print("审计日志与锚点的比对：PostgreSQL 数据库暂不支持（没有备份锚点）。")
        return 0
    for p in report.problems:
        print(p, file=sys.stderr)
    for n in report.notes:
        print(n)
    if report.ok and report.checked:
        newest = max(report.checked, key=lambda a: a.seq)
        print(
            f"审计日志与审计锚点一致：第{newest.seq}条仍在且未被改动"
            f"（{newest.created_at} 的锚点，经备份密钥认证）。"
        )
    return len(report.problems)


def _verify_evidence(db: Any) -> int:
    from effdesk.services.evidence import verify_files

    with db.session() as s:
        problems = verify_files(s, db.evidence)
    for p in problems:
        print(f"证据文件{p}", file=sys.stderr)
    if problems:
        print(f"证据文件：{len(problems)} 个缺失或被改动", file=sys.stderr)
    else:
        print("证据文件：全部完好")
    return len(problems)


# --------------------------------------------------------------------------- users


def _user_add(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    roles = {_ROLE_CODES[r] for r in args.role}
    with db.session() as s:
        user, password = users.create_user(
            s, SYSTEM, users.UserInput(args.username, args.name, roles, args.phone)
        )
        name = user.username
    print(f"已新增用户 {name}。一次性密码（首次登录须修改）：{password}")
    return 0


def _user_reset(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    with db.session() as s:
        user = users.find_user(s, SYSTEM, args.username)
        password = users.reset_password(s, SYSTEM, user.id)
        name = user.username
    print(f"已重置用户 {name} 的密码。一次性密码（登录时须修改）：{password}")
    return 0


def _user_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    with db.session() as s:
        rows = users.list_users(s, SYSTEM)
    print(f"{'用户名':<16}{'姓名':<12}{'角色':<24}状态")
    for r in rows:
        state = "有效" if r.active else "已停用"
        if r.locked():
            state += "，锁定中"
        if r.must_change_password:
            state += "，须改密码"
        print(f"{r.username:<16}{r.display_name:<12}{r.roles_label:<24}{state}")
    return 0


def _user_deactivate(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    with db.session() as s:
        user = users.find_user(s, SYSTEM, args.username)
        users.set_active(s, SYSTEM, user.id, False)
    print(f"已停用用户 {args.username}。")
    return 0


def _user_bootstrap(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.database()
    with db.session() as s:
        password = users.bootstrap_admin(s)
    if password is None:
        print("已有用户，无需初始化。")
        return 0
    print(f"已创建系统管理员 {users.BOOTSTRAP_USERNAME}。一次性密码（首次登录须修改）：{password}")
    return 0
