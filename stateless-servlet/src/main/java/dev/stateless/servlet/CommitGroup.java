package dev.stateless.servlet;

import jakarta.servlet.ServletRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The writes a request makes when it ends, sent together: a filter in front of
 * {@link StatelessSessionFilter} (the {@link IdempotencyFilter}, which holds the answer back until
 * it is recorded) opens a group for the request; the session's save then waits in it instead of
 * going out alone, and the filter sends it with its own write ({@link #start}), waiting for both
 * once. A save asked for after the group closed, or while the request is asynchronous, goes out at
 * once as usual.
 */
final class CommitGroup implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CommitGroup.class);
    private static final String ATTRIBUTE = CommitGroup.class.getName();

    private final ServletRequest request;
    private final Object previous;
    private final List<SessionRequest> waiting = new ArrayList<>();
    private boolean open = true;

    private CommitGroup(ServletRequest request) {
        this.request = request;
        this.previous = request.getAttribute(ATTRIBUTE);
        request.setAttribute(ATTRIBUTE, this);
    }

    /** Opens a group for {@code request}, until {@link #close()}. */
    static CommitGroup open(ServletRequest request) {
        return new CommitGroup(request);
    }

    /**
     * Puts {@code session}'s save in the request's open group, if there is one.
     *
     * @return false when the save must go out now (no group, the group closed, an asynchronous request)
     */
    static boolean defer(ServletRequest request, SessionRequest session) {
        if (!(request.getAttribute(ATTRIBUTE) instanceof CommitGroup group) || request.isAsyncStarted()) {
            return false;
        }
        synchronized (group) {
            if (!group.open) {
                return false;
            }
            if (!group.waiting.contains(session)) {
                group.waiting.add(session);
            }
            return true;
        }
    }

    /**
     * Closes the group and sends the saves that waited in it, without waiting for the store; the
     * caller sends its own write next, then finishes each save.
     *
     * @return the saves sent, in order; a save that could not even be sent (its encoding failed)
     *     throws when finished
     */
    synchronized List<SessionRequest.PendingSave> start() {
        open = false;
        List<SessionRequest.PendingSave> sent = new ArrayList<>(waiting.size());
        for (SessionRequest session : waiting) {
            try {
                sent.add(session.startSave());
            } catch (RuntimeException e) {
                sent.add(new SessionRequest.PendingSave(java.util.concurrent.CompletableFuture.failedFuture(e), v -> {
                }));
            }
        }
        waiting.clear();
        return sent;
    }

    /**
     * Closes the group and saves what waited in it, waiting for each.
     *
     * @return the first failure, or null when every save went through
     */
    RuntimeException saveNow() {
        RuntimeException first = null;
        for (SessionRequest.PendingSave save : start()) {
            try {
                save.finish();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }

    /**
     * Ends the group: later saves go out alone. A save still waiting in it (the filter that opened
     * the group ended without {@link #start}) is made now, and its failure logged.
     */
    @Override
    public void close() {
        RuntimeException failure = saveNow();
        if (failure != null) {
            log.error("A session's changes could not be saved; they are lost: {}", failure.toString());
        }
        synchronized (this) {
            if (request.getAttribute(ATTRIBUTE) == this) {
                if (previous == null) {
                    request.removeAttribute(ATTRIBUTE);
                } else {
                    request.setAttribute(ATTRIBUTE, previous);
                }
            }
        }
    }
}
