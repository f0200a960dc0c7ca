package dev.stateless.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

/**
 * The {@link AsyncContext} an application gets from the session filter's request: {@link #complete()}
 * saves the session first, before the container sends the answer, so that the client's next
 * request sees the change on any node. (A listener's {@code onComplete} would run after the answer
 * left: too late for read-your-writes.)
 *
 * <p>Started without arguments, it hands out the filter's request and response instead of the
 * container's unwrapped ones, which bypass the filter: the container's own session, an answer that is
 * not recorded. Started with the application's objects, it hands out those.
 */
final class SavingAsyncContext implements AsyncContext {

    private final AsyncContext delegate;
    private final Runnable beforeComplete;
    private final ServletRequest filterRequest;
    private final ServletResponse filterResponse;

    SavingAsyncContext(AsyncContext delegate, Runnable beforeComplete, ServletRequest filterRequest,
            ServletResponse filterResponse) {
        this.delegate = delegate;
        this.beforeComplete = beforeComplete;
        this.filterRequest = filterRequest;
        this.filterResponse = filterResponse;
    }

    AsyncContext delegate() {
        return delegate;
    }

    @Override
    public void complete() {
        try {
            beforeComplete.run();
        } finally {
            delegate.complete();
        }
    }

    @Override
    public ServletRequest getRequest() {
        return delegate.hasOriginalRequestAndResponse() ? filterRequest : delegate.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
        return delegate.hasOriginalRequestAndResponse() && filterResponse != null ? filterResponse : delegate.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return delegate.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
        delegate.dispatch();
    }

    @Override
    public void dispatch(String path) {
        delegate.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
        delegate.dispatch(context, path);
    }

    @Override
    public void start(Runnable run) {
        delegate.start(run);
    }

    @Override
    public void addListener(AsyncListener listener) {
        delegate.addListener(listener);
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        delegate.addListener(listener, request, response);
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> type) throws ServletException {
        return delegate.createListener(type);
    }

    @Override
    public void setTimeout(long timeout) {
        delegate.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
        return delegate.getTimeout();
    }
}
