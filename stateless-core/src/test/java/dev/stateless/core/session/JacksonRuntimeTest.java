package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.Version;
import org.junit.jupiter.api.Test;

/** A Jackson older than the supported range is refused when a JSON codec is built, naming the version needed. */
class JacksonRuntimeTest {

    @Test
    void theSupportedRangePasses() {
        assertThat(JacksonRuntime.problem(new Version(2, 19, 2, null, null, null))).isEmpty();
        assertThat(JacksonRuntime.problem(new Version(2, 23, 0, null, null, null))).isEmpty();
        assertThat(JacksonRuntime.problem(Version.unknownVersion())).isEmpty();
    }

    @Test
    void anOlderJacksonNamesTheVersionNeeded() {
        assertThat(JacksonRuntime.problem(new Version(2, 18, 2, null, "com.fasterxml.jackson.core", "jackson-databind")))
                .hasValue("the JSON attribute codec needs Jackson 2.19 or newer (com.fasterxml.jackson:jackson-bom),"
                        + " but 2.18.2 is on the classpath");
    }
}
