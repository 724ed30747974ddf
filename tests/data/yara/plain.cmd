@echo off
powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\Tools\inventory.ps1 -Verbose
