"""What went wrong with a database server, in Chinese: psycopg/SQLAlchemy errors → EffDeskError.

A connection to PostgreSQL fails in a handful of ways a user (or the office's IT person) can do
something about. libpq reports most of them only as text (no SQLSTATE before the login), in
English or — on a server set up with ``lc_messages = zh_CN`` — in Chinese, so both are matched.

* :func:`opening_error` — at start or 测试连接: server down or unreachable, wrong password or user,
  database missing, no permission, pg_trgm missing.
* :func:`working_error` — during work: the connection dropped (server stopped, network lost).
  ``Database.session`` raises it instead of the driver's error; the pool checks connections
  before use (``pool_pre_ping``), so the next action after the server is back simply works.

Qt-free: the CLI prints these messages, the GUI shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from effdesk.errors import DatabaseMissing, EffDeskError


class ServerUnreachable(EffDeskError):
    """The server does not answer: stopped, wrong host/port, firewall, network down."""


class LoginFailed(EffDeskError):
    """Wrong user name or password (or the server asks for a password none was given for)."""


class ServerDatabaseMissing(DatabaseMissing):
    """The server answers but has no database of that name."""


class ServerPermissionDenied(EffDeskError):
    """The login works but the user may not use (or set up) the database."""


class ExtensionMissing(EffDeskError):
    """pg_trgm (the search index) is not installed on the server or may not be created."""


class ConnectionLost(EffDeskError):
    """The connection dropped while working; nothing of the failed action was saved."""


def where(url: str) -> str:
    """host:port/database of a server URL, for messages (never the password)."""
    try:
        u = make_url(url)
    except Exception:
        return "（无法解析的地址）"
    return f"{u.host or 'localhost'}:{u.port or 5432}/{u.database or ''}"


def _text(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return str(orig)


def _sqlstate(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return str(getattr(orig, "sqlstate", None) or "")


_AUTH = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    'role "',  # role "x" does not exist
    '角色 "',
    "口令认证失败",
    "密码认证失败",
    "认证失败",
)
_NO_DATABASE = ('database "', '数据库 "')
_UNREACHABLE = (
    "connection refused",
    "could not connect",
    "is the server running",
    "timeout expired",
    "timed out",
    "could not translate host name",
    "failed to resolve host",
    "name or service not known",
    "no route to host",
    "network is unreachable",
    "the database system is starting up",
    "the database system is shutting down",
    "拒绝连接",
    "无法连接",
)
_LOST = (
    "server closed the connection",
    "terminating connection",
    "consuming input failed",
    "connection is closed",
    "connection is lost",
    "ssl syscall error",
    "eof detected",
    "broken pipe",
    "connection reset",
    "connection already closed",
    "server conn crashed",
    "the connection is lost",
    "sending query failed",
)


def _has(text: str, needles: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(n in low for n in needles)


def opening_error(exc: BaseException, url: str) -> EffDeskError:
    """The Chinese message for a failed connect (or first statement) to the server at ``url``."""
    if isinstance(exc, EffDeskError):
        return exc
    text = _text(exc)
    server = where(url)
    user = ""
    with suppress(Exception):
        user = make_url(url).username or ""
    if _has(text, _AUTH):
        return LoginFailed(
            f"无法登录数据库服务器 {server}：用户名「{user}」或密码不正确。"
            "请核对用户名和密码（区分大小写）后重试；忘记密码请联系管理服务器的同事。"
        )
    if _has(text, _NO_DATABASE) and ("does not exist" in text.lower() or "不存在" in text):
        u = make_url(url)
        return ServerDatabaseMissing(
            f"数据库服务器 {u.host or 'localhost'}:{u.port or 5432} 上没有名为「{u.database}」的数据库。"
            "请核对数据库名；新建请由服务器管理员执行 createdb（所有者为 EffDesk 使用的用户），"
            "再用 effdesk db copy 把本机数据搬上去或首次启动时建立数据表。"
        )
    if _sqlstate(exc) == "42501" or "permission denied" in text.lower() or "权限不够" in text:
        return ServerPermissionDenied(
            f"数据库服务器 {server} 拒绝了用户「{user}」的操作（权限不足：{_first_line(text)}）。"
            "请服务器管理员把该数据库的所有权或 CONNECT/CREATE 权限授予此用户。"
        )
    if _has(text, _UNREACHABLE) or _has(text, _LOST):
        return ServerUnreachable(
            f"无法连接数据库服务器 {server}：服务器没有响应。"
            "请检查：服务器电脑是否开机、PostgreSQL 服务是否已启动、地址和端口是否填写正确、"
            "本机网络是否正常（防火墙是否放行该端口）。已保存的数据不受影响。"
        )
    return ServerUnreachable(f"无法连接数据库服务器 {server}：{_first_line(text)}")


def extension_missing(url: str, detail: str = "") -> ExtensionMissing:
    more = f"（{detail}）" if detail else ""
    return ExtensionMissing(
        f"数据库服务器 {where(url)} 缺少全文检索所需的 pg_trgm 扩展{more}。"
        "请服务器管理员安装 PostgreSQL 的 contrib 组件（如 postgresql-contrib），"
        "并在该数据库中以管理员身份执行 CREATE EXTENSION pg_trgm; 之后再连接。"
    )


def is_extension_problem(exc: BaseException) -> bool:
    text = _text(exc).lower()
    return "pg_trgm" in text or ("extension" in text and "not available" in text)


def is_connection_lost(exc: BaseException) -> bool:
    """Did ``exc`` happen because the server connection is gone (not a bad statement)?"""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if _sqlstate(exc).startswith("08") or _sqlstate(exc) in ("57P01", "57P02", "57P03"):
        return True
    # psycopg raises OperationalError (sqlstate None) for a connect that fails: the pool's
    # reconnect while the server is still away.
    name = type(exc.orig).__name__ if exc.orig is not None else ""
    text = _text(exc)
    return (name == "OperationalError" and not _sqlstate(exc)) or _has(text, _LOST + _UNREACHABLE)


def working_error(exc: BaseException, url: str) -> ConnectionLost | None:
    """ConnectionLost for an error caused by a dropped connection, else None."""
    if not is_connection_lost(exc):
        return None
    # Short: the intake dialog also shows it in its one-line status (draft not saved).
    return ConnectionLost(
        "与数据库服务器的连接已中断（服务器停止或网络断开），刚才的操作没有保存。"
        "您填写的内容仍在窗口中，恢复后再保存即可。"
    )


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else text


@contextmanager
def server_errors(url: str) -> Iterator[None]:
    """Around opening work on a server (migrations): driver errors → Chinese messages."""
    try:
        yield
    except DBAPIError as exc:
        if is_extension_problem(exc):
            raise extension_missing(url, _first_line(_text(exc))) from exc
        raise opening_error(exc, url) from exc


def check_search_extension(engine: Engine, url: str) -> None:
    """PostgreSQL: pg_trgm is installed in the database, or at least available to create."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT installed_version IS NOT NULL FROM pg_available_extensions "
                "WHERE name = 'pg_trgm'"
            )
        ).first()
    if row is None:
        raise extension_missing(url, "服务器上未安装该扩展")
