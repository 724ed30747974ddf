[CmdletBinding()]
param([Parameter(Mandatory = $true)][string]$Path)
$items = Get-ChildItem -Path $Path -ErrorAction Stop
$items | Where-Object { $_.Length -gt 0 } | ForEach-Object { Write-Host $_.FullName }
