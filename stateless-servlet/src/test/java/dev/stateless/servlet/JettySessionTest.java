package dev.stateless.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/** The session scenarios on embedded Jetty 12 (ee10). */
class JettySessionTest extends AbstractSessionContainerTest {

    @Override
    protected ContainerNode startNode(Filter filter, Map<String, String> initParameters) throws Exception {
        Server server = new Server();
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(32 * 1024);
        config.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
        context.addServlet(new ServletHolder("legacy", new LegacyServlet()), "/*");
        FilterHolder sessions = new FilterHolder(filter);
        sessions.setName("sessions");
        sessions.setInitParameters(initParameters);
        context.addFilter(sessions, "/*", EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(context);
        server.start();

        URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
        return new ContainerNode() {
            @Override
            public URI base() {
                return base;
            }

            @Override
            public void close() {
                try {
                    server.stop();
                } catch (Exception e) {
                    throw new IllegalStateException("Jetty did not stop", e);
                }
            }
        };
    }
}
