; EffDesk installer for Windows (NSIS 3, Chinese UI). Built by installer/build-windows.ps1 on a
; Windows PC after PyInstaller; CI compiles it on Linux against a placeholder payload:
;
;   makensis -DVERSION=0.1.0 -DPAYLOAD=build\windows\effdesk -DICON=build\windows\effdesk.ico
;            -DOUTFILE=build\windows\EffDesk-0.1.0-setup.exe installer\effdesk.nsi
;
; Per user, no administrator rights: the program goes to %LOCALAPPDATA%\Programs\EffDesk, the
; shortcuts to this user's Start menu and desktop, the uninstall entry to HKCU. The office's data
; (%LOCALAPPDATA%\EffDesk: database, evidence files, backups, logs) is never inside the program
; folder: upgrading replaces the program only, uninstalling keeps the data unless asked.

Unicode true
!include "MUI2.nsh"

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef PAYLOAD
  !error "PAYLOAD (the PyInstaller folder with effdesk.exe) must be given: -DPAYLOAD=..."
!endif
!ifndef OUTFILE
  !define OUTFILE "EffDesk-${VERSION}-setup.exe"
!endif

!define APP_NAME "效能办桌面工作台"
!define APP_KEY "EffDesk"
!define EXE "effdesk.exe"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_KEY}"
!define SETTINGS_KEY "Software\${APP_KEY}"

Name "${APP_NAME}"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\${APP_KEY}"
; An earlier installation is upgraded where it is.
InstallDirRegKey HKCU "${SETTINGS_KEY}" "InstallDir"
SetCompressor /SOLID lzma
ShowInstDetails show
ShowUninstDetails show
VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=2052 "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=2052 "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=2052 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=2052 "LegalCopyright" "EffDesk"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"
!define MUI_FINISHPAGE_RUN_TEXT "现在打开${APP_NAME}"
!define MUI_UNCOMPONENTSPAGE_TEXT_TOP "卸载只删除程序。本机的数据（数据库、证据照片、备份）默认保留，重新安装后可继续使用；确实不再需要时才勾选删除。"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

Function .onInit
  SetShellVarContext current
FunctionEnd

Function un.onInit
  SetShellVarContext current
FunctionEnd

Section "程序" SecProgram
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; Upgrade in place: the old program files go first (no stale libraries from the previous
  ; version); the data lives elsewhere and is not touched.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  File /r "${PAYLOAD}\*.*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS\${APP_NAME}"
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0
  CreateShortcut "$SMPROGRAMS\${APP_NAME}\卸载${APP_NAME}.lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\${EXE}" "" "$INSTDIR\${EXE}" 0

  WriteRegStr HKCU "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${SETTINGS_KEY}" "Version" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "EffDesk"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1
SectionEnd

Section "un.程序" UnSecProgram
  SectionIn RO
  Delete "$DESKTOP\${APP_NAME}.lnk"
  RMDir /r "$SMPROGRAMS\${APP_NAME}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\${EXE}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${SETTINGS_KEY}"
SectionEnd

; Unticked by default, and never chosen by a silent uninstall (/S): the data stays.
Section /o "un.同时删除本机数据（数据库、证据照片、备份、日志）" UnSecData
  MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 \
    "将永久删除 $LOCALAPPDATA\${APP_KEY} 中的数据库、证据照片、备份和日志，无法恢复。$\r$\n确定删除吗？" \
    /SD IDNO IDYES delete_data
  DetailPrint "已保留数据：$LOCALAPPDATA\${APP_KEY}"
  Goto done
  delete_data:
    RMDir /r "$LOCALAPPDATA\${APP_KEY}"
  done:
SectionEnd
