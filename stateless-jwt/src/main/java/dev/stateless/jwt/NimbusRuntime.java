package dev.stateless.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import java.util.Optional;

/**
 * Checks, when a verifier or an issuer is built, that the Nimbus JOSE+JWT on the classpath is one
 * this module supports (9.37, what Spring Security 6.4 and 6.5 bring, and newer), so that an older
 * one a platform's dependency management brings in fails at startup naming the version needed, not
 * at the first token with a {@code NoSuchMethodError}.
 */
final class NimbusRuntime {

    static final int MIN_MAJOR = 9;
    static final int MIN_MINOR = 37;

    private static final Optional<String> PROBLEM =
            problem(JWSAlgorithm.class.getPackage().getImplementationVersion());

    private NimbusRuntime() {
    }

    /** @throws IllegalStateException naming the version needed when the Nimbus on the classpath is too old */
    static void check() {
        PROBLEM.ifPresent(message -> {
            throw new IllegalStateException(message);
        });
    }

    /**
     * What is wrong with Nimbus {@code version}, if anything. An unknown version (a repackaged jar
     * without its manifest) is not held against it.
     */
    static Optional<String> problem(String version) {
        if (version == null) {
            return Optional.empty();
        }
        String[] parts = version.split("[.]");
        int major;
        int minor;
        try {
            major = Integer.parseInt(parts[0]);
            minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (major < MIN_MAJOR || major == MIN_MAJOR && minor < MIN_MINOR) {
            return Optional.of("stateless-jwt needs Nimbus JOSE+JWT " + MIN_MAJOR + "." + MIN_MINOR
                    + " or newer (com.nimbusds:nimbus-jose-jwt), but " + version + " is on the classpath");
        }
        return Optional.empty();
    }
}
