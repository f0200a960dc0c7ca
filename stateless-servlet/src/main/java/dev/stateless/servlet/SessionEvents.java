package dev.stateless.servlet;

import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EventListener;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's session listeners, fired as the container would fire them, on the node where
 * the event happens: created when a request creates a session, destroyed (in reverse declaration
 * order) when the application invalidates one, attribute events on set and remove, id events on
 * {@code changeSessionId}. A listener that throws is logged and the others still run, as in Tomcat.
 * Sessions that expire in the store fire nothing: no node sees them end.
 */
final class SessionEvents {

    private static final Logger log = LoggerFactory.getLogger(SessionEvents.class);

    static final SessionEvents NONE = new SessionEvents(List.of());

    private final List<HttpSessionListener> lifecycle = new ArrayList<>();
    private final List<HttpSessionAttributeListener> attributes = new ArrayList<>();
    private final List<HttpSessionIdListener> ids = new ArrayList<>();

    SessionEvents(List<? extends EventListener> listeners) {
        for (EventListener listener : listeners) {
            if (listener instanceof HttpSessionListener l) {
                lifecycle.add(l);
            }
            if (listener instanceof HttpSessionAttributeListener l) {
                attributes.add(l);
            }
            if (listener instanceof HttpSessionIdListener l) {
                ids.add(l);
            }
        }
    }

    int size() {
        return lifecycle.size() + attributes.size() + ids.size();
    }

    void created(HttpSession session) {
        HttpSessionEvent event = new HttpSessionEvent(session);
        for (HttpSessionListener l : lifecycle) {
            run("sessionCreated", () -> l.sessionCreated(event));
        }
    }

    void destroyed(HttpSession session) {
        HttpSessionEvent event = new HttpSessionEvent(session);
        List<HttpSessionListener> reversed = new ArrayList<>(lifecycle);
        Collections.reverse(reversed);
        for (HttpSessionListener l : reversed) {
            run("sessionDestroyed", () -> l.sessionDestroyed(event));
        }
    }

    void added(HttpSession session, String name, Object value) {
        if (attributes.isEmpty()) {
            return;
        }
        HttpSessionBindingEvent event = new HttpSessionBindingEvent(session, name, value);
        for (HttpSessionAttributeListener l : attributes) {
            run("attributeAdded", () -> l.attributeAdded(event));
        }
    }

    void replaced(HttpSession session, String name, Object oldValue) {
        if (attributes.isEmpty()) {
            return;
        }
        HttpSessionBindingEvent event = new HttpSessionBindingEvent(session, name, oldValue);
        for (HttpSessionAttributeListener l : attributes) {
            run("attributeReplaced", () -> l.attributeReplaced(event));
        }
    }

    void removed(HttpSession session, String name, Object oldValue) {
        if (attributes.isEmpty()) {
            return;
        }
        HttpSessionBindingEvent event = new HttpSessionBindingEvent(session, name, oldValue);
        for (HttpSessionAttributeListener l : attributes) {
            run("attributeRemoved", () -> l.attributeRemoved(event));
        }
    }

    void idChanged(HttpSession session, String oldId) {
        HttpSessionEvent event = new HttpSessionEvent(session);
        for (HttpSessionIdListener l : ids) {
            run("sessionIdChanged", () -> l.sessionIdChanged(event, oldId));
        }
    }

    private static void run(String event, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("A session listener failed on {}", event, e);
        }
    }
}
