package dev.stateless.servlet;

import jakarta.servlet.Filter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * An embedded Tomcat 11 on a free loopback port with a base directory of its own: the one way the
 * servlet tests start Tomcat. The test deploys what it needs into it ({@link Deployment}); closing
 * stops and destroys Tomcat and deletes the base directory (once).
 */
final class EmbeddedTomcat extends StoppableNode {

    /** Adds the test's context to a Tomcat that is not started yet, and returns it. */
    @FunctionalInterface
    interface Deployment {
        Context deploy(Tomcat tomcat, Path baseDir) throws Exception;
    }

    private final Tomcat tomcat;
    private final Path baseDir;
    private final URI base;

    private EmbeddedTomcat(Tomcat tomcat, Path baseDir, URI base) {
        this.tomcat = tomcat;
        this.baseDir = baseDir;
        this.base = base;
    }

    /**
     * Starts Tomcat with what {@code deployment} adds.
     *
     * @throws IllegalStateException when the context does not start (the log above says why);
     *     nothing is left running then
     */
    static EmbeddedTomcat start(String baseDirPrefix, Deployment deployment) throws Exception {
        Path baseDir = Files.createTempDirectory(baseDirPrefix);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        EmbeddedTomcat node = null;
        try {
            Context context = deployment.deploy(tomcat, baseDir);
            tomcat.start();
            node = new EmbeddedTomcat(tomcat, baseDir,
                    URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + context.getPath() + "/"));
            if (!context.getState().isAvailable()) {
                throw new IllegalStateException("the context " + context.getPath() + " did not start on Tomcat (state "
                        + context.getState() + "); see the log above");
            }
            return node;
        } catch (Exception | Error e) {
            if (node != null) {
                node.close();
            } else {
                tomcat.destroy();
                LegacyWebapp.delete(baseDir);
            }
            throw e;
        }
    }

    /** The root context ({@code ""}) on an empty document root: servlets and filters are added in code. */
    static Context rootContext(Tomcat tomcat, Path baseDir) throws Exception {
        return tomcat.addContext("", Files.createDirectories(baseDir.resolve("docroot")).toString());
    }

    /**
     * Declares a filter at {@code /*} as {@code web.xml} would: by class name, so that Tomcat makes
     * the instance, or, with {@code instance} given, that very instance.
     */
    static void addFilter(Context context, String name, Class<? extends Filter> type, Filter instance,
            Map<String, String> initParameters, boolean asyncSupported) {
        FilterDef filter = new FilterDef();
        filter.setFilterName(name);
        filter.setFilterClass(type.getName());
        if (instance != null) {
            filter.setFilter(instance);
        }
        if (asyncSupported) {
            filter.setAsyncSupported("true");
        }
        initParameters.forEach(filter::addInitParameter);
        context.addFilterDef(filter);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName(name);
        mapping.addURLPattern("/*");
        context.addFilterMap(mapping);
    }

    Tomcat tomcat() {
        return tomcat;
    }

    /** {@code http://127.0.0.1:PORT/CONTEXT/}. */
    @Override
    public URI base() {
        return base;
    }

    @Override
    protected void stop() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            LegacyWebapp.delete(baseDir);
        }
    }

    @Override
    public String toString() {
        return "Tomcat[" + base + "]";
    }
}
