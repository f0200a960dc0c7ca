package dev.stateless.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request the session filter hands down an async dispatch ({@code AsyncContext.dispatch()}) that
 * the container handed over unwrapped: the request the async cycle started on (the filter's session,
 * the identity and body of the filters in front), with what the dispatch itself changes taken from
 * the dispatched request: its type ({@code ASYNC}), its path elements and the
 * {@code jakarta.servlet.async.*} attributes. Jetty dispatches a wrapper of its own over its request,
 * so the started request alone would still report {@code REQUEST} and the first dispatch's path (a
 * servlet that checks the type starts async again forever; a JSP is not found).
 */
final class AsyncDispatchRequest extends HttpServletRequestWrapper {

    private static final String ASYNC_ATTRIBUTES = "jakarta.servlet.async.";

    private final HttpServletRequest dispatched;

    AsyncDispatchRequest(HttpServletRequest started, HttpServletRequest dispatched) {
        super(started);
        this.dispatched = dispatched;
    }

    @Override
    public DispatcherType getDispatcherType() {
        return dispatched.getDispatcherType();
    }

    @Override
    public String getContextPath() {
        return dispatched.getContextPath();
    }

    @Override
    public String getServletPath() {
        return dispatched.getServletPath();
    }

    @Override
    public String getPathInfo() {
        return dispatched.getPathInfo();
    }

    @Override
    public String getPathTranslated() {
        return dispatched.getPathTranslated();
    }

    @Override
    public String getRequestURI() {
        return dispatched.getRequestURI();
    }

    @Override
    public StringBuffer getRequestURL() {
        return dispatched.getRequestURL();
    }

    @Override
    public HttpServletMapping getHttpServletMapping() {
        return dispatched.getHttpServletMapping();
    }

    @Override
    public Object getAttribute(String name) {
        return name != null && name.startsWith(ASYNC_ATTRIBUTES) ? dispatched.getAttribute(name) : super.getAttribute(name);
    }
}
