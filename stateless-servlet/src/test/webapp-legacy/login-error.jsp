<%@ page contentType="text/html;charset=UTF-8" session="false" %><html><body><p>LOGIN-FAILED</p></body></html>
