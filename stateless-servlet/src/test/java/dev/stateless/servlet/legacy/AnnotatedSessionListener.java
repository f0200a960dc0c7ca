package dev.stateless.servlet.legacy;

import jakarta.servlet.annotation.WebListener;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

/** Found by annotation scanning of {@code WEB-INF/classes}, not named in {@code web.xml}. */
@WebListener
public class AnnotatedSessionListener implements HttpSessionListener {

    @Override
    public void sessionCreated(HttpSessionEvent se) {
        Events.record(se.getSession().getServletContext(), "annotated-created " + se.getSession().getId());
    }

    @Override
    public void sessionDestroyed(HttpSessionEvent se) {
        Events.record(se.getSession().getServletContext(), "annotated-destroyed " + se.getSession().getId());
    }
}
