package dev.stateless.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;
import java.util.function.UnaryOperator;

/**
 * The {@link AsyncContext} an application gets from the session filter's request: {@link #complete()}
 * saves the session first, before the container sends the answer, so that the client's next
 * request sees the change on any node. (A listener's {@code onComplete} would run after the answer
 * left: too late for read-your-writes.)
 *
 * <p>Started without arguments, it hands out the filter's request and response instead of the
 * container's unwrapped ones, which bypass the filter: the container's own session, an answer that is
 * not recorded. Started with the application's objects, it hands out those.
 *
 * <p>The application's listeners get events that carry this context, not the container's: a listener
 * that answers a timeout through {@code event.getAsyncContext()} (takes the session from its request,
 * writes to its response, completes it) goes through the filter as the servlet itself would.
 */
final class SavingAsyncContext implements AsyncContext {

    private final AsyncContext delegate;
    private final Runnable beforeComplete;
    private final ServletRequest filterRequest;
    private final ServletResponse filterResponse;
    /** Whether the application started it without arguments (with the original request and response). */
    private final boolean original;
    /** This filter's context for a context the container starts again ({@code onStartAsync}). */
    private final UnaryOperator<AsyncContext> wrap;

    SavingAsyncContext(AsyncContext delegate, Runnable beforeComplete, ServletRequest filterRequest,
            ServletResponse filterResponse, boolean original, UnaryOperator<AsyncContext> wrap) {
        this.delegate = delegate;
        this.beforeComplete = beforeComplete;
        this.filterRequest = filterRequest;
        this.filterResponse = filterResponse;
        this.original = original;
        this.wrap = wrap;
    }

    boolean original() {
        return original;
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
        return original ? filterRequest : delegate.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
        return original && filterResponse != null ? filterResponse : delegate.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        // started with the filter's request and response when the application asked for the originals
        return original || delegate.hasOriginalRequestAndResponse();
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
        delegate.addListener(new ThroughThisContext(listener));
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        delegate.addListener(new ThroughThisContext(listener), request, response);
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

    /** An application's listener, handed events that carry the filter's context. */
    private final class ThroughThisContext implements AsyncListener {

        private final AsyncListener listener;

        ThroughThisContext(AsyncListener listener) {
            this.listener = listener;
        }

        @Override
        public void onComplete(AsyncEvent event) throws IOException {
            listener.onComplete(carrying(SavingAsyncContext.this, event));
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            listener.onTimeout(carrying(SavingAsyncContext.this, event));
        }

        @Override
        public void onError(AsyncEvent event) throws IOException {
            listener.onError(carrying(SavingAsyncContext.this, event));
        }

        @Override
        public void onStartAsync(AsyncEvent event) throws IOException {
            // the container's new context, wrapped as the request's startAsync wrapped it
            listener.onStartAsync(carrying(wrap.apply(event.getAsyncContext()), event));
        }
    }

    private static AsyncEvent carrying(AsyncContext context, AsyncEvent event) {
        return new AsyncEvent(context, event.getSuppliedRequest(), event.getSuppliedResponse(), event.getThrowable());
    }
}
