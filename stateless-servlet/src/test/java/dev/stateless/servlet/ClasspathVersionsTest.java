package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jakarta.servlet.Filter;
import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.Test;

/**
 * The build's version profiles ({@code -Dversions=lowest|boot4}) swap the Servlet API and Tomcat on
 * the test classpath; this proves the tests of this module really ran on the versions the profile names.
 */
class ClasspathVersionsTest {

    @Test
    void testsRunOnTheServletApiTheProfileNames() {
        String expected = System.getProperty("stateless.expect.servlet");
        assumeTrue(expected != null, "not a version profile run");
        assertThat(Filter.class.getPackage().getImplementationVersion()).isEqualTo(expected);
    }

    @Test
    void testsRunOnTheTomcatTheProfileNames() {
        String expected = System.getProperty("stateless.expect.tomcat");
        assumeTrue(expected != null, "not a version profile run");
        assertThat(ServerInfo.getServerNumber()).startsWith(expected);
    }
}
