package dev.stateless.servlet;

import jakarta.servlet.Filter;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;

/** The session scenarios on embedded Tomcat 11. */
class TomcatSessionTest extends AbstractSessionContainerTest {

    @Override
    protected ContainerNode startNode(Filter filter, Map<String, String> initParameters) throws Exception {
        return EmbeddedTomcat.start("stateless-tomcat-", (tomcat, baseDir) -> {
            tomcat.getConnector().setProperty("maxHttpHeaderSize", Integer.toString(32 * 1024));
            Context context = EmbeddedTomcat.rootContext(tomcat, baseDir);
            Tomcat.addServlet(context, "legacy", new LegacyServlet());
            context.addServletMappingDecoded("/*", "legacy");
            EmbeddedTomcat.addFilter(context, "sessions", filter.getClass(), filter, initParameters, false);
            return context;
        });
    }
}
