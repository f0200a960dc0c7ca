<%@ page contentType="text/plain;charset=UTF-8" session="true" %><%--
  Where AsyncServlet?toJsp dispatches its async cycle: shows the count it put in the session and
  what kind of dispatch rendered the page.
--%>asyncCount=<%= session.getAttribute("asyncCount") %>
dispatcher=<%= request.getDispatcherType() %>
