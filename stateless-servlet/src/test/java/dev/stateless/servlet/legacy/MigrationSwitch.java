package dev.stateless.servlet.legacy;

import dev.stateless.servlet.Migration;
import dev.stateless.servlet.Rollout;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's switch of one node, as a feature flag would be: the listener gives the session
 * filter a {@link Migration} (in the servlet context attribute the filter reads) whose rollout
 * percentage is read on every request; {@code /admin/rollout?percent=N} changes it
 * ({@code &when-cookie=C}: only requests carrying a cookie C, empty for all) and answers the node's
 * migration counters. Write-through and end-adopted follow the context parameters
 * {@code migration.write-through} and {@code migration.end-adopted}. Declared in {@code web.xml} only for the migration tests.
 */
public class MigrationSwitch extends HttpServlet implements ServletContextListener {

    private static final long serialVersionUID = 1L;
    private static final String PERCENT = MigrationSwitch.class.getName() + ".percent";
    private static final String COOKIE = MigrationSwitch.class.getName() + ".cookie";

    @Override
    public void contextInitialized(ServletContextEvent event) {
        AtomicInteger percent = new AtomicInteger(0);
        AtomicReference<String> cookie = new AtomicReference<>();
        event.getServletContext().setAttribute(PERCENT, percent);
        event.getServletContext().setAttribute(COOKIE, cookie);
        event.getServletContext().setAttribute(Migration.class.getName(), Migration.builder()
                .rollout(Rollout.percent(percent::get).when(request -> cookie.get() == null
                        || (request.getCookies() != null && java.util.Arrays.stream(request.getCookies())
                                .anyMatch(c -> c.getName().equals(cookie.get())))))
                .writeThrough(Boolean.parseBoolean(event.getServletContext().getInitParameter("migration.write-through")))
                .endAdopted(Boolean.parseBoolean(event.getServletContext().getInitParameter("migration.end-adopted")))
                .build());
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        AtomicInteger percent = (AtomicInteger) getServletContext().getAttribute(PERCENT);
        if (request.getParameter("percent") != null) {
            percent.set(Integer.parseInt(request.getParameter("percent")));
        }
        if (request.getParameter("when-cookie") != null) {
            @SuppressWarnings("unchecked")
            AtomicReference<String> cookie = (AtomicReference<String>) getServletContext().getAttribute(COOKIE);
            cookie.set(request.getParameter("when-cookie").isEmpty() ? null : request.getParameter("when-cookie"));
        }
        Migration migration = (Migration) getServletContext().getAttribute(Migration.class.getName());
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().println("percent=" + percent.get());
        response.getWriter().println("adopted=" + migration.adoptedSessions());
        response.getWriter().println("adoptedAttributes=" + migration.adoptedAttributes());
        response.getWriter().println("refused=" + migration.refusedAttributes());
        response.getWriter().println("returned=" + migration.returnedSessions());
    }
}
