# Build the EffDesk installer for Windows, on a Windows PC (PyInstaller cannot cross-build).
#
#   powershell -ExecutionPolicy Bypass -File installer\build-windows.ps1
#
# Needs: Python 3.11 (64-bit, python.org, "py" launcher) and NSIS 3 (makensis.exe on PATH or in
# its default folder). Writes build\windows\effdesk\ (the frozen app) and
# build\windows\EffDesk-<version>-setup.exe (the per-user installer, Chinese UI).
# Unverified until run on Windows: CI on Linux only compiles installer\effdesk.nsi against a
# placeholder payload.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")

$out = "build\windows"
New-Item -ItemType Directory -Force $out | Out-Null

if (-not (Test-Path ".venv\Scripts\python.exe")) { py -3.11 -m venv .venv }
$py = ".venv\Scripts\python.exe"
& $py -m pip install -q --upgrade pip
& $py -m pip install -q -c installer\constraints.txt -e ".[build]"
if ($LASTEXITCODE -ne 0) { throw "pip install failed" }
$version = & $py -c "import effdesk; print(effdesk.__version__)"

# Icons (effdesk.ico for the .exe and the installer).
$env:QT_QPA_PLATFORM = "offscreen"
& $py installer\make_icons.py "$out\icons" cn.effdesk.app
Copy-Item "$out\icons\effdesk.ico" installer\effdesk.ico -Force

$sw = [Diagnostics.Stopwatch]::StartNew()
& .venv\Scripts\pyinstaller.exe --noconfirm --clean --log-level WARN `
  --distpath $out --workpath "$out\pyi" installer\effdesk.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
$sw.Stop()

# Smoke test on the frozen app (offscreen: no window appears).
$smoke = Join-Path $env:TEMP ("effdesk-smoke-" + [guid]::NewGuid())
New-Item -ItemType Directory $smoke | Out-Null
$env:EFFDESK_DATA_DIR = "$smoke\data"
$db = "sqlite:///$smoke\demo.sqlite" -replace "\\", "/"
$exe = "$out\effdesk\effdesk-cli.exe"  # the console twin of effdesk.exe
& $exe version; if ($LASTEXITCODE -ne 0) { throw "version failed" }
& $exe --db $db demo --complaints 300 --seed 7 | Out-Null; if ($LASTEXITCODE -ne 0) { throw "demo failed" }
& $exe --db $db render sample-circular --out "$smoke\circular.pdf" --no-system-fonts
if ($LASTEXITCODE -ne 0) { throw "render failed" }
$env:EFFDESK_SELFTEST_PASSWORD = "effdesk123"
& $exe --db $db selftest --user admin --pdf "$smoke\circular.pdf" --quit-after-ms 500
if ($LASTEXITCODE -ne 0) { throw "selftest failed" }
Remove-Item Env:EFFDESK_SELFTEST_PASSWORD, Env:EFFDESK_DATA_DIR, Env:QT_QPA_PLATFORM
Remove-Item -Recurse -Force $smoke

$makensis = (Get-Command makensis.exe -ErrorAction SilentlyContinue).Source
if (-not $makensis) { $makensis = "${env:ProgramFiles(x86)}\NSIS\makensis.exe" }
& $makensis "-DVERSION=$version" "-DPAYLOAD=$out\effdesk" "-DICON=installer\effdesk.ico" `
  "-DOUTFILE=$out\EffDesk-$version-setup.exe" installer\effdesk.nsi
if ($LASTEXITCODE -ne 0) { throw "makensis failed" }

$folder = (Get-ChildItem -Recurse "$out\effdesk" | Measure-Object -Sum Length).Sum / 1MB
$setup = (Get-Item "$out\EffDesk-$version-setup.exe").Length / 1MB
"build time: {0:N0} s; folder: {1:N0} MB; installer: {2:N1} MB" -f $sw.Elapsed.TotalSeconds, $folder, $setup
