package dev.stateless.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * An embedded Jetty 12 serving one handler on a free loopback port: the one way the servlet tests
 * start Jetty. Closing it stops the server (once).
 */
final class EmbeddedJetty extends StoppableNode {

    private final Server server;
    private final int port;

    private EmbeddedJetty(Server server, int port) {
        this.server = server;
        this.port = port;
    }

    /** Starts {@code handler} with Jetty's default HTTP configuration. */
    static EmbeddedJetty start(Handler handler) throws Exception {
        return start(new HttpConfiguration(), handler);
    }

    /**
     * Starts {@code handler} with this HTTP configuration (header sizes, server version header) and
     * these beans on the server (a login service, for example).
     */
    static EmbeddedJetty start(HttpConfiguration config, Handler handler, Object... beans) throws Exception {
        Server server = new Server();
        for (Object bean : beans) {
            server.addBean(bean);
        }
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new EmbeddedJetty(server, connector.getLocalPort());
    }

    /**
     * A context at {@code /} without container sessions: {@code servlet} at {@code /*} behind {@code
     * filters}, in their order, named {@code filter-0}, {@code filter-1}, ...
     */
    static ServletContextHandler context(ServletHolder servlet, boolean asyncFilters, List<? extends Filter> filters) {
        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
        context.addServlet(servlet, "/*");
        int n = 0;
        for (Filter filter : filters) {
            FilterHolder holder = new FilterHolder(filter);
            holder.setName("filter-" + n++);
            if (asyncFilters) {
                holder.setAsyncSupported(true);
            }
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        return context;
    }

    Server server() {
        return server;
    }

    int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT/}. */
    @Override
    public URI base() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    @Override
    protected void stop() throws Exception {
        server.stop();
    }

    @Override
    public String toString() {
        return "Jetty[" + base() + "]";
    }
}
