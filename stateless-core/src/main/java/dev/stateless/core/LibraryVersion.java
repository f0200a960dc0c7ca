package dev.stateless.core;

import java.util.Optional;

/**
 * The major and minor number of a library's version, as its jar states it ({@code 6.6.0.RELEASE},
 * {@code 10.4}), for modules that refuse, when they are built, a library older than the one they
 * need: a clear startup failure instead of a {@code NoSuchMethodError} in a request.
 *
 * @param major the major version
 * @param minor the minor version (0 when the text has none)
 */
public record LibraryVersion(int major, int minor) {

    /**
     * Reads a version's major and minor number.
     *
     * @param text a version such as {@code 9.37.4} or {@code 6.6.0.RELEASE}, or null
     * @return the version, or empty when {@code text} is null or does not start with numbers
     */
    public static Optional<LibraryVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String[] parts = text.split("[.]", 3);
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("\\D.*", "")) : 0;
            return Optional.of(new LibraryVersion(major, minor));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether this version comes before {@code major.minor}.
     *
     * @param major the major version to compare with
     * @param minor the minor version to compare with
     * @return true when older
     */
    public boolean isBefore(int major, int minor) {
        return this.major < major || this.major == major && this.minor < minor;
    }

    /**
     * The message for a library older than a module needs, or empty when {@code found} is new enough
     * or unknown (a repackaged jar without its manifest is not held against it).
     *
     * @param module who needs the library, e.g. {@code stateless-jwt}
     * @param library the library's name, e.g. {@code Nimbus JOSE+JWT}
     * @param coordinates where users set its version, e.g. {@code com.nimbusds:nimbus-jose-jwt}
     * @param found the version on the classpath, or null when unknown
     * @param major the oldest major version that works
     * @param minor the oldest minor version of that major that works
     * @return the message naming the version needed and the one found
     */
    public static Optional<String> tooOld(String module, String library, String coordinates, String found,
            int major, int minor) {
        return parse(found).filter(v -> v.isBefore(major, minor)).map(v -> module + " needs " + library + " "
                + major + "." + minor + " or newer (" + coordinates + "), but " + found + " is on the classpath");
    }
}
