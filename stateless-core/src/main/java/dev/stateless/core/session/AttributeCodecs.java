package dev.stateless.core.session;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Makes an {@link AttributeCodec} from text options, as a {@code web.xml} declares them:
 *
 * <table>
 *   <caption>Codec options</caption>
 *   <tr><th>option</th><th>meaning</th></tr>
 *   <tr><td>{@code codec}</td><td>{@code json} (default) or {@code serializable}</td></tr>
 *   <tr><td>{@code codec-types}</td><td>the application's types, separated by commas or white space:
 *       class names ({@code com.example.Cart}), packages ({@code com.example.*}) and package trees
 *       ({@code com.example.**}); resolved with the given class loader (the webapp's)</td></tr>
 *   <tr><td>{@code codec-max-depth}</td><td>deepest nesting of a stored value (JSON: arrays and
 *       objects, default 64; serializable: objects, default 100)</td></tr>
 *   <tr><td>{@code codec-max-bytes}</td><td>{@code serializable} only: largest stored value in bytes
 *       (default 8 MiB)</td></tr>
 *   <tr><td>{@code codec-max-array-length}</td><td>{@code serializable} only: longest array or
 *       collection (default 1,000,000)</td></tr>
 *   <tr><td>{@code codec-max-refs}</td><td>{@code serializable} only: most objects and references
 *       (default 100,000)</td></tr>
 * </table>
 *
 * <p>Class names in {@code codec-types} are loaded when the codec is made, so a typo fails at
 * startup; packages are resolved lazily, when stored bytes or a stored value name a class.
 */
public final class AttributeCodecs {

    /** The option names {@link #fromOptions} consumes. */
    public static final Set<String> OPTIONS = Set.of("codec", "codec-types", "codec-max-depth", "codec-max-bytes",
            "codec-max-array-length", "codec-max-refs");

    private AttributeCodecs() {
    }

    /**
     * Makes a codec from the {@linkplain AttributeCodecs options above}, removing them from
     * {@code options} (other entries are left for the caller).
     *
     * @param options text options; the codec's are removed
     * @param loader resolves the names in {@code codec-types} (the webapp's class loader)
     * @return the codec the options describe
     * @throws IllegalArgumentException naming the option: an unknown codec, a malformed pattern, a
     *     class the loader does not find, a class the codec cannot carry, a bad number
     */
    public static AttributeCodec fromOptions(Map<String, String> options, ClassLoader loader) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(loader, "loader");
        String kind = options.remove("codec");
        String types = options.remove("codec-types");
        String depth = options.remove("codec-max-depth");
        String bytes = options.remove("codec-max-bytes");
        String arrays = options.remove("codec-max-array-length");
        String refs = options.remove("codec-max-refs");
        String codec = kind == null ? "json" : kind.trim().toLowerCase(Locale.ROOT);
        List<String> patterns = types == null ? List.of() : TypeAllowList.split(types);
        switch (codec) {
            case "json" -> {
                for (String[] option : new String[][] {{"codec-max-bytes", bytes}, {"codec-max-array-length", arrays},
                        {"codec-max-refs", refs}}) {
                    if (option[1] != null) {
                        throw new IllegalArgumentException(option[0] + " applies to codec=serializable only");
                    }
                }
                JsonAttributeCodec.Builder builder = JsonAttributeCodec.builder().classLoader(loader);
                try {
                    for (String pattern : patterns) {
                        if (isPackage(pattern)) {
                            builder.allowTypes(pattern);
                        }
                    }
                    for (String pattern : patterns) {
                        if (!isPackage(pattern)) {
                            builder.allowTypes(pattern); // validates the name
                            builder.allow(load(pattern, loader));
                        }
                    }
                    if (depth != null) {
                        builder.maxNestingDepth(number("codec-max-depth", depth));
                    }
                    return builder.build();
                } catch (IllegalArgumentException e) {
                    throw prefixed(e);
                }
            }
            case "serializable" -> {
                SerializableAttributeCodec.Builder builder = SerializableAttributeCodec.builder().classLoader(loader);
                try {
                    for (String pattern : patterns) {
                        builder.allowTypes(pattern);
                        if (!isPackage(pattern)) {
                            builder.allow(load(pattern, loader));
                        }
                    }
                } catch (IllegalArgumentException e) {
                    throw prefixed(e);
                }
                if (depth != null) {
                    builder.maxDepth(number("codec-max-depth", depth));
                }
                if (bytes != null) {
                    builder.maxBytes(number("codec-max-bytes", bytes));
                }
                if (arrays != null) {
                    builder.maxArrayLength(number("codec-max-array-length", arrays));
                }
                if (refs != null) {
                    builder.maxRefs(number("codec-max-refs", refs));
                }
                return builder.build();
            }
            default -> throw new IllegalArgumentException("codec must be json or serializable, was '" + kind + "'");
        }
    }

    private static IllegalArgumentException prefixed(IllegalArgumentException e) {
        String message = e.getMessage();
        if (message.startsWith("codec-types: ")) {
            return e;
        }
        int colon = message.indexOf(": ");
        String rest = colon > 0 && !message.substring(0, colon).contains(" ") ? message.substring(colon + 2) : message;
        return new IllegalArgumentException("codec-types: " + rest, e);
    }

    private static boolean isPackage(String pattern) {
        return pattern.endsWith(".*") || pattern.endsWith(".**");
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("codec-types: class " + name + " not found by the webapp's class loader", e);
        }
    }

    private static int number(String option, String text) {
        try {
            int value = Integer.parseInt(text.trim().replace("_", ""));
            if (value < 1) {
                throw new IllegalArgumentException(option + " must be a positive number, was '" + text + "'");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be a positive number, was '" + text + "'");
        }
    }
}
