package dev.stateless.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A Nimbus older than the supported range is refused when a verifier or an issuer is built, naming the version needed. */
class NimbusRuntimeTest {

    @Test
    void theSupportedRangePasses() {
        assertThat(NimbusRuntime.problem("9.37.4")).isEmpty();
        assertThat(NimbusRuntime.problem("10.4")).isEmpty();
        assertThat(NimbusRuntime.problem("10.10")).isEmpty();
        assertThat(NimbusRuntime.problem(null)).as("a jar without a manifest").isEmpty();
    }

    @Test
    void anOlderNimbusNamesTheVersionNeeded() {
        assertThat(NimbusRuntime.problem("9.31")).hasValue("stateless-jwt needs Nimbus JOSE+JWT 9.37 or newer"
                + " (com.nimbusds:nimbus-jose-jwt), but 9.31 is on the classpath");
        assertThat(NimbusRuntime.problem("8.23")).isPresent();
    }

    @Test
    void theNimbusOfThisRunIsSupported() {
        JwtVerifier.builder().hmacSecret(JwtKeys.generateHmacSecret()).build();
    }
}
