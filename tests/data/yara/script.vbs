Option Explicit
Dim shell, fso
Set shell = WScript.CreateObject("WScript.Shell")
Set fso = CreateObject("Scripting.FileSystemObject")
Sub Report(msg)
  WScript.Echo msg
End Sub
Report "done"
