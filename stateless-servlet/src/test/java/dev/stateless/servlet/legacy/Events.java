package dev.stateless.servlet.legacy;

import jakarta.servlet.ServletContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What the listeners of one node saw, in order, kept in that node's servlet context. */
final class Events {

    private static final String ATTRIBUTE = "legacy.events";

    private Events() {
    }

    static void record(ServletContext context, String event) {
        list(context).add(event);
    }

    static List<String> snapshot(ServletContext context) {
        List<String> events = list(context);
        synchronized (events) {
            return new ArrayList<>(events);
        }
    }

    static void clear(ServletContext context) {
        list(context).clear();
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(ServletContext context) {
        synchronized (context) {
            Object events = context.getAttribute(ATTRIBUTE);
            if (events == null) {
                events = Collections.synchronizedList(new ArrayList<String>());
                context.setAttribute(ATTRIBUTE, events);
            }
            return (List<String>) events;
        }
    }
}
