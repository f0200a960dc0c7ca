package dev.stateless.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import dev.stateless.core.LibraryVersion;
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
        return LibraryVersion.tooOld("stateless-jwt", "Nimbus JOSE+JWT", "com.nimbusds:nimbus-jose-jwt", version,
                MIN_MAJOR, MIN_MINOR);
    }
}
