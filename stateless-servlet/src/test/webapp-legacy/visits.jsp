<%@ page contentType="text/html;charset=UTF-8" session="true" %><%--
  Counts visits in a session-scoped bean and links to itself through response.encodeURL, so a
  client without cookies keeps its session.
--%><jsp:useBean id="visits" class="dev.stateless.servlet.legacy.VisitCounter" scope="session"/><% visits.visit(); %><html><body>
<p id="visits">visits=<%= visits.getVisits() %></p>
<p id="fromURL">fromURL=<%= request.isRequestedSessionIdFromURL() %></p>
<p id="fromCookie">fromCookie=<%= request.isRequestedSessionIdFromCookie() %></p>
<p id="session">session=<%= session.getId() %></p>
<a id="next" href="<%= response.encodeURL("visits.jsp") %>">again</a>
<a id="continue" href="<%= response.encodeURL("continue") %>">continue (redirects back here)</a>
</body></html>
