<%@ Page Language="C#" %>
<script runat="server">
void Page_Load(object s, EventArgs e) { Label1.Text = Server.HtmlEncode(Request.QueryString["q"]); }
</script>
