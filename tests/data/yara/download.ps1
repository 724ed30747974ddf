# Downloads a file and saves it; nothing is executed.
Invoke-WebRequest -Uri https://example.org/archive.zip -OutFile archive.zip
Expand-Archive -Path archive.zip -DestinationPath .\out
