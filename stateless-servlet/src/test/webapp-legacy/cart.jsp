<%@ page contentType="text/plain;charset=UTF-8" session="true" %><%--
  The shopping cart, as JSPs kept it: a session-scoped bean, changed in place by jsp:setProperty
  (the page never calls setAttribute again).
--%><jsp:useBean id="cart" class="dev.stateless.servlet.legacy.CartBean" scope="session"/><jsp:setProperty name="cart" property="item" param="add"/>items=<jsp:getProperty name="cart" property="items"/>
count=<%= cart.getCount() %>
id=<%= session.getId() %>
