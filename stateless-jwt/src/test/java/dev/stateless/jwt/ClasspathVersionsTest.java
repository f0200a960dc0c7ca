package dev.stateless.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.cfg.PackageVersion;
import com.nimbusds.jose.JWSAlgorithm;
import org.junit.jupiter.api.Test;

/**
 * The build's version profiles ({@code -Dversions=lowest|boot4}) swap Nimbus and Jackson on the test
 * classpath; this proves the tests of this module really ran on the versions the profile names.
 */
class ClasspathVersionsTest {

    @Test
    void testsRunOnTheNimbusTheProfileNames() {
        String expected = System.getProperty("stateless.expect.nimbus");
        assumeTrue(expected != null, "not a version profile run");
        assertThat(JWSAlgorithm.class.getPackage().getImplementationVersion()).isEqualTo(expected);
    }

    @Test
    void testsRunOnTheJacksonTheProfileNames() {
        String expected = System.getProperty("stateless.expect.jackson");
        assumeTrue(expected != null, "not a version profile run");
        assertThat(PackageVersion.VERSION.toString()).isEqualTo(expected);
    }
}
