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
        ServletResponse filterResponse;
        synchronized (this) {
            filterResponse = response;
        }
        if (filterResponse == null) {
            return wrapAsync(super.startAsync(), true);
        }
        // The container's cycle starts with the filter's request and response, so that the container
        // hands them down again on AsyncContext.dispatch() (Servlet 2.3.3.3): the dispatched code
        // has the filter's session and writes the answer the filter records, whether or not the
        // filter is mapped for the ASYNC dispatcher. The application's context still says it has
        // the original request and response, as it asked.
        return wrapAsync(super.startAsync(this, filterResponse), true);
    }

    @Override
    public final AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return wrapAsync(super.startAsync(request, response), false);
    }

    @Override
    public final AsyncContext getAsyncContext() {
        AsyncContext current = super.getAsyncContext();
        synchronized (this) {
            return async != null && async.delegate() == current ? async : current;
        }
    }

    /** This request's context for a context the container started or started again. */
    private synchronized AsyncContext wrapAsync(AsyncContext started) {
        return wrapAsync(started, async == null || async.original());
    }

    private synchronized AsyncContext wrapAsync(AsyncContext started, boolean original) {
        if (async == null || async.delegate() != started || async.original() != original) {
            async = new SavingAsyncContext(started, beforeAsyncComplete, this, response, original, this::wrapAsync);
        }
        return async;
    }
}
