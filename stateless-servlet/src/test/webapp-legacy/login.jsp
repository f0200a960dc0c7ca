<%@ page contentType="text/html;charset=UTF-8" session="false" %><html><body>
<p>LOGIN-FORM</p>
<form method="POST" action="<%= response.encodeURL("j_security_check") %>">
  <input name="j_username"> <input name="j_password" type="password"> <input type="submit">
</form>
</body></html>
