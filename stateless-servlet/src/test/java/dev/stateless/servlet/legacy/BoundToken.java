package dev.stateless.servlet.legacy;

import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import java.io.Serializable;

/** A session value that wants to know when it is bound and unbound ({@code valueBound id name label}, {@code valueUnbound id name label}). */
public class BoundToken implements HttpSessionBindingListener, Serializable {

    private static final long serialVersionUID = 1L;

    private final String label;

    public BoundToken(String label) {
        this.label = label;
    }

    @Override
    public void valueBound(HttpSessionBindingEvent event) {
        Events.record(event.getSession().getServletContext(), "valueBound " + event.getSession().getId() + " " + event.getName() + " " + label);
    }

    @Override
    public void valueUnbound(HttpSessionBindingEvent event) {
        Events.record(event.getSession().getServletContext(), "valueUnbound " + event.getSession().getId() + " " + event.getName() + " " + label);
    }

    @Override
    public String toString() {
        return "token(" + label + ")";
    }
}
