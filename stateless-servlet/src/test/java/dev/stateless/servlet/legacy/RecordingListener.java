package dev.stateless.servlet.legacy;

import jakarta.servlet.http.HttpSessionAttributeListener;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionIdListener;
import jakarta.servlet.http.HttpSessionListener;

/**
 * Declared in {@code web.xml}: records every session, attribute and id event of its node, with the
 * session id ({@code created id}, {@code added id name=value}, {@code replaced id name=old},
 * {@code removed id name=old}, {@code idChanged old new}, {@code destroyed id}).
 */
public class RecordingListener implements HttpSessionListener, HttpSessionAttributeListener, HttpSessionIdListener {

    @Override
    public void sessionCreated(HttpSessionEvent se) {
        Events.record(se.getSession().getServletContext(), "created " + se.getSession().getId());
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent se) {
        Events.record(se.getSession().getServletContext(), "destroyed " + se.getSession().getId());
    }

    @Override
    public void attributeAdded(HttpSessionBindingEvent event) {
        record(event, "added");
    }

    @Override
    public void attributeReplaced(HttpSessionBindingEvent event) {
        record(event, "replaced");
    }

    @Override
    public void attributeRemoved(HttpSessionBindingEvent event) {
        record(event, "removed");
    }

    @Override
    public void sessionIdChanged(HttpSessionEvent event, String oldSessionId) {
        Events.record(event.getSession().getServletContext(),
                "idChanged " + oldSessionId + " " + event.getSession().getId());
    }

    private static void record(HttpSessionBindingEvent event, String kind) {
        Events.record(event.getSession().getServletContext(),
                kind + " " + event.getSession().getId() + " " + event.getName() + "=" + event.getValue());
    }
}
