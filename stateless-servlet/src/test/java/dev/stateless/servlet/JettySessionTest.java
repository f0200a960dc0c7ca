package dev.stateless.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;

/** The session scenarios on embedded Jetty 12 (ee10). */
class JettySessionTest extends AbstractSessionContainerTest {

    @Override
    protected ContainerNode startNode(Filter filter, Map<String, String> initParameters) throws Exception {
        return jettyNode(filter, initParameters);
    }

    /** A Jetty node serving {@link LegacyServlet} behind {@code filter}, as the scenarios use it. */
    static ContainerNode jettyNode(Filter filter, Map<String, String> initParameters) throws Exception {
        HttpConfiguration config = new HttpConfiguration();
        config.setRequestHeaderSize(32 * 1024);
        config.setSendServerVersion(false);
        ServletContextHandler context = new ServletContextHandler("/", ServletContextHandler.NO_SESSIONS);
        context.addServlet(new ServletHolder("legacy", new LegacyServlet()), "/*");
        FilterHolder sessions = new FilterHolder(filter);
        sessions.setName("sessions");
        sessions.setInitParameters(initParameters);
        context.addFilter(sessions, "/*", EnumSet.of(DispatcherType.REQUEST));
        return EmbeddedJetty.start(config, context);
    }
}
