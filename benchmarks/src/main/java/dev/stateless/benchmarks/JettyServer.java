package dev.stateless.benchmarks;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** An embedded Jetty 12 (ee10) on a free loopback port: one servlet behind the given filters. */
final class JettyServer implements AutoCloseable {

    private final Server server;

    private JettyServer(Server server) {
        this.server = server;
    }

    /**
     * @param jettySessions whether Jetty's own in-memory {@code SessionHandler} serves
     *     {@code getSession} (variant A); otherwise a filter wraps the request
     */
    static JettyServer start(String name, boolean jettySessions, List<Filter> filters, HttpServlet servlet) {
        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("jetty-" + name);
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // rounds leave a server idle while the others are measured: keep its connections open
        connector.setIdleTimeout(600_000);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler(
                jettySessions ? ServletContextHandler.SESSIONS : ServletContextHandler.NO_SESSIONS);
        context.setContextPath("/");
        for (Filter filter : filters) {
            context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServlet(new ServletHolder(servlet), "/*");
        server.setHandler(context);
        server.setStopTimeout(0); // no graceful wait: the clients keep their connections open
        try {
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Jetty for " + name, e);
        }
        return new JettyServer(server);
    }

    int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // shutting down anyway
        }
    }
}
