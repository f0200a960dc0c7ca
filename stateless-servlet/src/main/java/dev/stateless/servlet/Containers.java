package dev.stateless.servlet;

import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.EventListener;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Servlet API gives no portable way to ask a container: the application's session
 * listeners (declared in {@code web.xml}, by {@code @WebListener} or {@code addListener}) and the
 * container's own cookie defaults. Known containers (Tomcat, Jetty 12) are asked through
 * reflection, so this module needs neither at compile time; on any other container the answers
 * are empty and the filter says so once at startup.
 */
final class Containers {

    private static final Logger log = LoggerFactory.getLogger(Containers.class);

    private Containers() {
    }

    /** The application's listener instances, in declaration order; empty when the container is unknown. */
    static Optional<List<EventListener>> listeners(ServletContext context) {
        try {
            Object standardContext = tomcatContext(context);
            if (standardContext != null) {
                List<EventListener> found = new ArrayList<>();
                // Tomcat keeps HttpSessionListener in the lifecycle list, the others in the event list.
                addAll(found, (Object[]) standardContext.getClass().getMethod("getApplicationEventListeners").invoke(standardContext));
                addAll(found, (Object[]) standardContext.getClass().getMethod("getApplicationLifecycleListeners").invoke(standardContext));
                return Optional.of(found);
            }
            Object jetty = jettyContextHandler(context);
            if (jetty != null) {
                List<EventListener> found = new ArrayList<>();
                for (Object listener : (Iterable<?>) jetty.getClass().getMethod("getEventListeners").invoke(jetty)) {
                    if (listener instanceof EventListener l && !found.contains(l)) {
                        found.add(l);
                    }
                }
                return Optional.of(found);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.warn("Could not read the application's session listeners from {}: {}", context.getServerInfo(), e.toString());
        }
        return Optional.empty();
    }

    /** The container's default {@code SameSite} for session cookies (Tomcat's {@code CookieProcessor}), if set. */
    static Optional<String> sameSiteDefault(ServletContext context) {
        try {
            Object standardContext = tomcatContext(context);
            if (standardContext == null) {
                return Optional.empty();
            }
            Object processor = standardContext.getClass().getMethod("getCookieProcessor").invoke(standardContext);
            if (processor == null) {
                return Optional.empty();
            }
            Method getter = processor.getClass().getMethod("getSameSiteCookies");
            Object setting = getter.invoke(processor);
            if (setting == null) {
                return Optional.empty();
            }
            String value = (String) setting.getClass().getMethod("getValue").invoke(setting);
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "lax", "strict", "none" -> Optional.of(value);
                default -> Optional.empty(); // "unset"
            };
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return Optional.empty();
        }
    }

    /**
     * The container's limits on form bodies: the most keys, and (where it has one) the largest
     * body; read from Jetty 12's context handler ({@code getMaxFormKeys}, {@code getMaxFormContentSize})
     * or Tomcat's connector ({@code maxParameterCount}) behind the request. Each is -1 when unknown
     * or unlimited.
     */
    record FormLimits(int maxKeys, long maxSize) {
    }

    static FormLimits formLimits(jakarta.servlet.http.HttpServletRequest request) {
        try {
            Object jetty = jettyContextHandler(request.getServletContext());
            if (jetty != null) {
                int keys = ((Number) jetty.getClass().getMethod("getMaxFormKeys").invoke(jetty)).intValue();
                long size = ((Number) jetty.getClass().getMethod("getMaxFormContentSize").invoke(jetty)).longValue();
                return new FormLimits(keys, size);
            }
            jakarta.servlet.ServletRequest inner = request;
            while (inner instanceof jakarta.servlet.ServletRequestWrapper wrapper) {
                inner = wrapper.getRequest();
            }
            if (inner.getClass().getName().equals("org.apache.catalina.connector.RequestFacade")) {
                Object tomcatRequest = field(inner, "request");
                Object connector = tomcatRequest.getClass().getMethod("getConnector").invoke(tomcatRequest);
                int keys = ((Number) connector.getClass().getMethod("getMaxParameterCount").invoke(connector)).intValue();
                long size = ((Number) connector.getClass().getMethod("getMaxPostSize").invoke(connector)).longValue();
                return new FormLimits(keys, size);
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // an unknown container, or one that changed: the filter's own default applies
        }
        return new FormLimits(-1, -1);
    }

    /** Prefixes of the attributes containers keep in their own sessions (container login, FORM state). */
    private static final String[] CONTAINER_ATTRIBUTES = {"org.apache.catalina.", "org.apache.tomcat.",
        "org.eclipse.jetty.", "jakarta.servlet.", "dev.stateless.servlet."};

    private static volatile boolean warnedLoud;

    /** Whether a container session attribute is the container's own (or ours), not the application's. */
    static boolean isContainerAttribute(String name) {
        for (String prefix : CONTAINER_ATTRIBUTES) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sets ({@code value} non-null) or removes an attribute of a container session without the
     * container telling the application's listeners and binding listeners: the application already
     * heard of the change from the filter's own session. Tomcat's {@code StandardSession} and Jetty
     * 12's {@code SessionData} are written directly; on another container the plain
     * {@code setAttribute} is used and a WARN says once that listeners then fire twice.
     */
    static void setQuietly(HttpSession session, String name, Object value) {
        try {
            if (session.getClass().getName().equals("org.apache.catalina.session.StandardSessionFacade")) {
                Object standard = field(session, "session");
                if (value == null) {
                    standard.getClass().getMethod("removeAttribute", String.class, boolean.class).invoke(standard, name, false);
                } else {
                    standard.getClass().getMethod("setAttribute", String.class, Object.class, boolean.class)
                            .invoke(standard, name, value, false);
                }
                return;
            }
            Method getSession = jettySessionGetter(session);
            if (getSession != null) {
                Object managed = getSession.invoke(session);
                Object data = managed.getClass().getMethod("getSessionData").invoke(managed);
                data.getClass().getMethod("setAttribute", String.class, Object.class).invoke(data, name, value);
                return;
            }
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof IllegalStateException invalid) {
                throw invalid;
            }
            log.debug("Could not write the container's session directly: {}", e.getCause().toString());
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("Could not write the container's session directly: {}", e.toString());
        }
        if (!warnedLoud) {
            warnedLoud = true;
            log.warn("StatelessSessionFilter: copies into the container's sessions go through setAttribute on {}; "
                    + "the application's session listeners hear of them too", session.getClass().getName());
        }
        if (value == null) {
            session.removeAttribute(name);
        } else {
            session.setAttribute(name, value);
        }
    }

    private static Method jettySessionGetter(HttpSession session) {
        for (Class<?> c = session.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().startsWith("org.eclipse.jetty.") && c.getName().endsWith("SessionHandler$ServletSessionApi")) {
                try {
                    return c.getMethod("getSession");
                } catch (NoSuchMethodException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static void addAll(List<EventListener> into, Object[] listeners) {
        if (listeners == null) {
            return;
        }
        for (Object listener : listeners) {
            if (listener instanceof EventListener l && !into.contains(l)) {
                into.add(l);
            }
        }
    }

    /** Tomcat's {@code StandardContext} behind its {@code ApplicationContextFacade}, or null. */
    private static Object tomcatContext(ServletContext context) throws ReflectiveOperationException {
        if (!context.getClass().getName().equals("org.apache.catalina.core.ApplicationContextFacade")) {
            return null;
        }
        Object applicationContext = field(context, "context");
        return applicationContext == null ? null : field(applicationContext, "context");
    }

    /** Jetty 12's {@code ServletContextHandler} (ee10 or ee11) of this context, or null. */
    private static Object jettyContextHandler(ServletContext context) {
        for (String environment : new String[] {"ee10", "ee11"}) {
            try {
                Class<?> handler = Class.forName("org.eclipse.jetty." + environment + ".servlet.ServletContextHandler",
                        false, context.getClass().getClassLoader());
                Object found = handler.getMethod("getServletContextHandler", ServletContext.class).invoke(null, context);
                if (found != null) {
                    return found;
                }
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // not this environment
            }
        }
        return null;
    }

    private static Object field(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(owner.getClass().getName() + "." + name);
    }
}
