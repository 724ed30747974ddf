<%@ page contentType="text/html" %>
<p>Hello, <%= request.getParameter("name") %></p>
