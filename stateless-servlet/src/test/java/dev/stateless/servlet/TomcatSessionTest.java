package dev.stateless.servlet;

import jakarta.servlet.Filter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** The session scenarios on embedded Tomcat 11. */
class TomcatSessionTest extends AbstractSessionContainerTest {


    @Override
    protected ContainerNode startNode(Filter filter, Map<String, String> initParameters) throws Exception {
        Path baseDir = Files.createTempDirectory("stateless-tomcat-");
        Path docBase = Files.createDirectories(baseDir.resolve("docroot"));
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        Connector connector = tomcat.getConnector();
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxHttpHeaderSize", Integer.toString(32 * 1024));

        Context context = tomcat.addContext("", docBase.toString());
        Tomcat.addServlet(context, "legacy", new LegacyServlet());
        context.addServletMappingDecoded("/*", "legacy");
        FilterDef sessions = new FilterDef();
        sessions.setFilterName("sessions");
        sessions.setFilter(filter);
        sessions.setFilterClass(filter.getClass().getName());
        initParameters.forEach(sessions::addInitParameter);
        context.addFilterDef(sessions);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("sessions");
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
        tomcat.start();

        URI base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/");
        return new ContainerNode() {
            private boolean closed;

            @Override
            public URI base() {
                return base;
            }

            @Override
            public synchronized void close() {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    tomcat.stop();
                    tomcat.destroy();
                } catch (LifecycleException e) {
                    throw new IllegalStateException("Tomcat did not stop", e);
                } finally {
                    delete(baseDir);
                }
            }
        };
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
