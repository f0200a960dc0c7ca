package dev.stateless.servlet;

import dev.stateless.core.session.SessionId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which sessions this node touched lately, so that a page with fifty static resources touches its
 * session once, not fifty times. Bounded: the oldest entries go first.
 */
final class RecentTouches {

    private static final int MAX_ENTRIES = 10_000;

    private final long windowNanos;
    private final Map<SessionId, Long> touched = new LinkedHashMap<>(256, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<SessionId, Long> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    RecentTouches(Duration window) {
        this.windowNanos = window.toNanos();
    }

    /** True, and remembered, when {@code id} was not touched by this node within the window. */
    synchronized boolean shouldTouch(SessionId id) {
        long now = System.nanoTime();
        Long last = touched.get(id);
        if (last != null && now - last < windowNanos) {
            return false;
        }
        touched.remove(id);
        touched.put(id, now);
        return true;
    }
}
