package dev.stateless.servlet;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;

/**
 * Runs an action when an asynchronous request completes (also after a timeout or an error, which
 * end in completion), and stays registered if the application starts async again.
 */
final class OnAsyncComplete implements AsyncListener {

    private final Runnable action;

    OnAsyncComplete(Runnable action) {
        this.action = action;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        action.run();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
    }

    @Override
    public void onError(AsyncEvent event) {
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        event.getAsyncContext().addListener(this);
    }
}
