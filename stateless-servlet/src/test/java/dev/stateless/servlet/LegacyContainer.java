package dev.stateless.servlet;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.session.StandardManager;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.security.Credential;

/**
 * Deploys an exploded webapp directory ({@link LegacyWebapp}) unchanged on a fresh embedded
 * container at {@link LegacyWebapp#CONTEXT_PATH}, with the fixture's one FORM-login user, on a free
 * loopback port. The node's {@link ContainerNode#base()} is the webapp's root
 * ({@code http://127.0.0.1:PORT/shop/}); closing it stops the container (a killed node) and deletes
 * the directory.
 */
enum LegacyContainer {

    TOMCAT {
        @Override
        ContainerNode start(Path webapp) throws Exception {
            EmbeddedTomcat tomcat;
            try {
                tomcat = EmbeddedTomcat.start("legacy-tomcat-", (server, baseDir) -> {
                    server.addUser(LegacyWebapp.USER, LegacyWebapp.PASSWORD);
                    server.addRole(LegacyWebapp.USER, LegacyWebapp.ROLE);
                    server.getHost().setAutoDeploy(false);
                    Context context = server.addWebapp(LegacyWebapp.CONTEXT_PATH, webapp.toString());
                    // Annotation and TLD scanning of WEB-INF only, as for a deployed WAR; the test class
                    // path (every jar of the build) is the container's, not the app's.
                    StandardJarScanner scanner = new StandardJarScanner();
                    scanner.setScanClassPath(false);
                    context.setJarScanner(scanner);
                    StandardManager manager = new StandardManager();
                    manager.setPathname(null); // no SESSIONS.ser: a stopped node forgets its own sessions
                    context.setManager(manager);
                    return context;
                });
            } catch (Exception | Error e) {
                LegacyWebapp.delete(webapp);
                throw e;
            }
            return node(tomcat.base(), () -> {
                try {
                    tomcat.close();
                } finally {
                    LegacyWebapp.delete(webapp);
                }
            });
        }
    },

    JETTY {
        @Override
        ContainerNode start(Path webapp) throws Exception {
            WebAppContext context = new WebAppContext();
            context.setContextPath(LegacyWebapp.CONTEXT_PATH);
            context.setWar(webapp.toString());
            context.addConfiguration(new AnnotationConfiguration());
            // Jetty's own defaults descriptor names its JSP servlet from jetty-ee10-apache-jsp, which
            // is not published for 12.1; the same Apache Jasper comes from tomcat-embed-jasper instead
            // (its JasperInitializer is found as a ServletContainerInitializer on the class path).
            context.setDefaultsDescriptor(null);
            context.addServlet(new ServletHolder("default", DefaultServlet.class), "/");
            ServletHolder jsp = new ServletHolder("jsp", org.apache.jasper.servlet.JspServlet.class);
            jsp.setInitParameter("xpoweredBy", "false");
            context.addServlet(jsp, "*.jsp");
            Path tempDir = Files.createTempDirectory("legacy-jetty-");
            context.setTempDirectory(tempDir.toFile());
            context.setThrowUnavailableOnStartupException(true);

            UserStore users = new UserStore();
            users.addUser(LegacyWebapp.USER, Credential.getCredential(LegacyWebapp.PASSWORD),
                    new String[] {LegacyWebapp.ROLE});
            HashLoginService realm = new HashLoginService("legacy");
            realm.setUserStore(users);

            EmbeddedJetty jetty = EmbeddedJetty.start(new HttpConfiguration(), context, realm);
            URI base = URI.create("http://127.0.0.1:" + jetty.port() + LegacyWebapp.CONTEXT_PATH + "/");
            return node(base, () -> {
                try {
                    jetty.close();
                } finally {
                    LegacyWebapp.delete(tempDir);
                    LegacyWebapp.delete(webapp);
                }
            });
        }
    };

    /** Deploys {@code webapp} on a new node of this container; the node owns (and deletes) the directory. */
    abstract ContainerNode start(Path webapp) throws Exception;

    private static ContainerNode node(URI base, Runnable stop) {
        return new StoppableNode() {
            @Override
            public URI base() {
                return base;
            }

            @Override
            protected void stop() {
                stop.run();
            }

            @Override
            public String toString() {
                return base.toString();
            }
        };
    }
}
