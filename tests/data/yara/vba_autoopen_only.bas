Attribute VB_Name = "Module1"
Sub AutoOpen()
    MsgBox "Welcome"
End Sub
