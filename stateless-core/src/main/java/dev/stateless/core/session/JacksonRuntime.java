package dev.stateless.core.session;

import com.fasterxml.jackson.core.Version;
import dev.stateless.core.LibraryVersion;
import java.util.Optional;

/**
 * Checks, when a JSON codec is built, that the Jackson on the classpath is one this library
 * supports (2.19, what Spring Boot 3.5 manages, and newer 2.x), so that an older one fails at
 * startup naming the version needed rather than in a request.
 */
final class JacksonRuntime {

    static final int MIN_MAJOR = 2;
    static final int MIN_MINOR = 19;

    private static final Optional<String> PROBLEM = problem(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION);

    private JacksonRuntime() {
    }

    /** @throws IllegalStateException naming the version needed when the Jackson on the classpath is too old */
    static void check() {
        PROBLEM.ifPresent(message -> {
            throw new IllegalStateException(message);
        });
    }

    /** What is wrong with jackson-databind {@code version}, if anything; an unknown version passes. */
    static Optional<String> problem(Version version) {
        return LibraryVersion.tooOld("the JSON attribute codec", "Jackson", "com.fasterxml.jackson:jackson-bom",
                version.isUnknownVersion() ? null : version.toString(), MIN_MAJOR, MIN_MINOR);
    }
}
