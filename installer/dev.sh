#!/usr/bin/env bash
# EffDesk from a source checkout on Debian/Ubuntu (also UOS/Kylin, which are Debian-based).
#
#   bash installer/dev.sh demo    set up, build a demo office (first time), open the app
#   bash installer/dev.sh test    set up, run the whole test suite (on SQLite, and on PostgreSQL
#                                 too when its server programs are installed: a throwaway
#                                 cluster, see installer/pg-test-cluster; in CI they are)
#   bash installer/dev.sh setup   set up only: system packages, .venv, the project
#
# System packages are installed with apt-get (as root, or through sudo when available).
set -euo pipefail
cd "$(dirname "$0")/.."

# Libraries Qt 6 (PySide6 wheels) needs on Linux, fonts with Chinese glyphs for the screens,
# Xvfb for screenshots of real windows, poppler-utils to look at PDFs as PNG pages.
APT_PACKAGES=(
  python3 python3-venv python3-pip
  libegl1 libgl1 libopengl0 libglib2.0-0 libdbus-1-3 libfontconfig1 libfreetype6
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxrender1 libxi6 libsm6 libice6
  libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libxcb-sync1
  libnss3 libasound2
  fonts-wqy-zenhei
  xvfb xauth poppler-utils
)

apt_install() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo="sudo"; else
      echo "需要安装系统软件包：${missing[*]}；请以 root 身份运行，或先安装 sudo。" >&2; exit 1
    fi
  fi
  echo ">> apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

setup() {
  apt_install
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
  fi
  # Constraints pin PySide6 to 6.9: the last wheels that run on the glibc 2.28 of UOS 20 / Kylin V10.
  .venv/bin/pip install -q -c installer/constraints.txt -e ".[test,postgres]"
}

case "${1:-}" in
  setup)
    setup
    ;;
  demo)
    setup
    # The demo office goes into the default database the first time only; later runs open it.
    if [ "$(.venv/bin/python -c 'from effdesk.paths import default_db_path as p; print(p().exists())')" = "False" ]; then
      .venv/bin/effdesk demo
    fi
    exec .venv/bin/effdesk
    ;;
  test)
    setup
    export QT_QPA_PLATFORM=offscreen
    # PostgreSQL as well as SQLite: a server of your own (EFFDESK_TEST_PG_URL set), else a
    # throwaway cluster when the server programs exist (CI=true installs them).
    if [ -z "${EFFDESK_TEST_PG_URL:-}" ] && [ "${EFFDESK_TEST_NO_PG:-}" != "1" ] && {
      [ "${CI:-}" = "true" ] || command -v initdb >/dev/null ||
        ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
    }; then
      exec bash installer/pg-test-cluster run .venv/bin/python -m pytest -q
    fi
    exec .venv/bin/python -m pytest -q
    ;;
  *)
    echo "用法：bash installer/dev.sh demo|test|setup" >&2
    exit 2
    ;;
esac
