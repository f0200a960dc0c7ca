package dev.stateless.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A request whose {@link AsyncContext#complete()} runs a filter's action first, before the container
 * sends the answer: the session filter saves the session there, the idempotency filter records the
 * answer, so that the client's next request sees either on any node. (A listener's
 * {@code onComplete} runs after the answer left: too late.) Wrappers nest: each filter's action runs,
 * innermost filter first, before the container completes.
 *
 * <p>An {@link AsyncContext} started without arguments hands out this request and the filter's
 * response from {@code getRequest()} and {@code getResponse()}, where the container's own would hand
 * out its unwrapped objects (Servlet 2.3.3.3): code that takes the session, or writes the answer,
 * through the context then still reaches the filter's session and the recorded answer.
 */
class HookedAsyncRequest extends HttpServletRequestWrapper {

    /** Runs before an asynchronous request completes. */
    private Runnable beforeAsyncComplete = () -> { };
    /** The filter's response, which the request was passed down the chain with. */
    private ServletResponse response;
    private SavingAsyncContext async;

    HookedAsyncRequest(HttpServletRequest request) {
        super(request);
    }

    /**
     * Sets what runs before an asynchronous request completes, and the response the filter passes
     * down the chain with this request.
     */
    final synchronized void beforeAsyncComplete(ServletResponse filterResponse, Runnable action) {
        this.response = filterResponse;
        this.beforeAsyncComplete = action;
    }

    @Override
    public final AsyncContext startAsync() {
        return wrapAsync(super.startAsync());
    }

    @Override
    public final AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return wrapAsync(super.startAsync(request, response));
    }

    @Override
    public final AsyncContext getAsyncContext() {
        AsyncContext current = super.getAsyncContext();
        synchronized (this) {
            return async != null && async.delegate() == current ? async : current;
        }
    }

    private synchronized AsyncContext wrapAsync(AsyncContext started) {
        if (async == null || async.delegate() != started) {
            async = new SavingAsyncContext(started, beforeAsyncComplete, this, response, this::wrapAsync);
        }
        return async;
    }
}
