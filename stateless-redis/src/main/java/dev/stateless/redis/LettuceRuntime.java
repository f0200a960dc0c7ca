package dev.stateless.redis;

import dev.stateless.core.LibraryVersion;
import io.lettuce.core.RedisClient;
import java.util.Optional;

/**
 * Checks, when the first store is built, that the Lettuce and Netty on the classpath can work
 * together and with us, so that a mismatch a platform's dependency management brings in fails at
 * startup with the versions to use, not at the first request with a {@code NoClassDefFoundError}.
 * Supported: Lettuce 6.6 to 7.x; Lettuce 6 on Netty 4.1 or 4.2, Lettuce 7 on Netty 4.2 only.
 */
final class LettuceRuntime {

    static final int MIN_MAJOR = 6;
    static final int MIN_MINOR = 6;

    /** The problem with this classpath, computed once; empty when it is fine. */
    private static final Optional<String> PROBLEM = problem(
            RedisClient.class.getPackage().getSpecificationVersion(), nettyVersion(), nettyHasIoEventLoops());

    private LettuceRuntime() {
    }

    /** @throws IllegalStateException naming the versions needed when this classpath cannot work */
    static void check() {
        PROBLEM.ifPresent(message -> {
            throw new IllegalStateException(message);
        });
    }

    /**
     * What is wrong with Lettuce {@code lettuceVersion} on Netty {@code nettyVersion}, if anything.
     * An unknown Lettuce version (a repackaged jar without its manifest) is not held against it.
     */
    static Optional<String> problem(String lettuceVersion, String nettyVersion, boolean nettyHasIoEventLoops) {
        Optional<String> tooOld = LibraryVersion.tooOld("stateless-redis", "Lettuce", "io.lettuce:lettuce-core",
                lettuceVersion, MIN_MAJOR, MIN_MINOR);
        if (tooOld.isPresent()) {
            return tooOld;
        }
        int major = LibraryVersion.parse(lettuceVersion).map(LibraryVersion::major).orElse(0);
        if (major >= 7 && !nettyHasIoEventLoops) {
            return Optional.of("Lettuce " + lettuceVersion + " needs Netty 4.2, but Netty " + nettyVersion
                    + " is on the classpath (Spring Boot 3.x manages Netty 4.1): use Lettuce 6.6 to 6.8"
                    + " (io.lettuce:lettuce-core; Spring Boot 3.5 manages 6.6.0.RELEASE), or Netty 4.2"
                    + " (io.netty:netty-bom 4.2.x)");
        }
        return Optional.empty();
    }

    /** Netty 4.2 brought the I/O event loop groups Lettuce 7 creates its threads with. */
    private static boolean nettyHasIoEventLoops() {
        try {
            Class.forName("io.netty.channel.MultiThreadIoEventLoopGroup", false, RedisClient.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static String nettyVersion() {
        return io.netty.util.Version.identify(RedisClient.class.getClassLoader()).values().stream()
                .filter(v -> v.artifactId().equals("netty-common")).map(io.netty.util.Version::artifactVersion)
                .findFirst().orElse("(version unknown)");
    }
}
