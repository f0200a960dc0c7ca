package dev.stateless.core.session;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The application's own types, as both codecs allow them: classes given as {@code Class} objects,
 * exact class names ({@code com.example.Cart}, {@code com.example.Order$Line}) and package patterns
 * ({@code com.example.*}: that package only; {@code com.example.**}: the package and its
 * subpackages). Names are resolved lazily, with the given class loader (the webapp's), and only
 * after they matched: a name off the list is refused without loading anything.
 *
 * <p>Some names are never allowed whatever the patterns say: the JDK's and well-known libraries'
 * deserialization gadgets ({@link #DENIED}). Immutable once built; thread-safe.
 */
final class TypeAllowList {

    /**
     * Class names that are refused even when a pattern covers them: classes known to run code, open
     * connections or load classes when they are read. An entry ending in a dot is a package prefix;
     * any other entry is a class, with its nested classes. Defense in depth only: the allow-list
     * itself is what keeps everything else out.
     */
    static final List<String> DENIED = List.of(
            "sun.", "com.sun.", "jdk.", "java.rmi.", "javax.management.", "javax.naming.", "java.lang.reflect.",
            "java.lang.invoke.", "java.beans.", "javax.script.", "java.security.", "java.net.URL",
            "java.net.URLClassLoader", "java.net.InetAddress", "java.lang.Process", "java.lang.ProcessBuilder",
            "java.lang.ProcessHandle", "java.lang.Runtime", "java.lang.ClassLoader", "java.lang.Thread",
            "java.lang.ThreadGroup", "java.lang.System",
            "org.apache.commons.collections.", "org.apache.commons.collections4.", "org.apache.commons.beanutils.",
            "org.codehaus.groovy.runtime.", "org.springframework.beans.factory.",
            "org.springframework.core.SerializableTypeWrapper", "org.springframework.aop.",
            "com.mchange.v2.c3p0.", "org.apache.xalan.", "org.apache.xpath.", "bsh.", "clojure.",
            "org.python.core.", "org.mozilla.javascript.", "org.hibernate.engine.", "org.hibernate.tuple.",
            "com.alibaba.fastjson.", "org.apache.wicket.util.upload.", "org.apache.myfaces.", "com.vaadin.data.");

    /** Roots a package pattern may not cover wholesale: JDK classes are named one by one. */
    private static final List<String> JDK_ROOTS = List.of("java", "javax", "jdk", "sun", "com.sun", "jakarta");

    private final Map<String, Class<?>> classes;
    private final Set<String> names;
    private final Set<String> packages;
    private final Set<String> packageTrees;
    private final ClassLoader loader;
    private final Map<String, Optional<Class<?>>> resolved = new ConcurrentHashMap<>();

    private TypeAllowList(Builder builder, ClassLoader loader) {
        this.classes = Map.copyOf(builder.classes);
        this.names = Set.copyOf(builder.names);
        this.packages = Set.copyOf(builder.packages);
        this.packageTrees = Set.copyOf(builder.packageTrees);
        this.loader = loader;
    }

    static Builder builder() {
        return new Builder();
    }

    ClassLoader loader() {
        return loader;
    }

    /** The classes given as {@code Class} objects. */
    Map<String, Class<?>> classes() {
        return classes;
    }

    /** Whether the list covers this class name, decided on the name alone (nothing is loaded). */
    boolean permits(String className) {
        if (classes.containsKey(className)) {
            return true;
        }
        if (isDenied(className)) {
            return false;
        }
        if (names.contains(className)) {
            return true;
        }
        String pkg = packageOf(className);
        if (packages.contains(pkg)) {
            return true;
        }
        for (String tree = pkg; !tree.isEmpty(); tree = packageOf(tree)) {
            if (packageTrees.contains(tree)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this very class is on the list (by name, and loaded by the list's class loader). */
    boolean permits(Class<?> type) {
        Class<?> given = classes.get(type.getName());
        if (given != null) {
            return given == type;
        }
        return permits(type.getName()) && resolve(type.getName()).orElse(null) == type;
    }

    /**
     * The class for a name the list covers, loaded (not initialized) with the list's class loader;
     * empty for a name the list does not cover (nothing is loaded) or that the loader cannot find.
     */
    Optional<Class<?>> resolve(String className) {
        Class<?> given = classes.get(className);
        if (given != null) {
            return Optional.of(given);
        }
        if (!permits(className)) {
            return Optional.empty();
        }
        return resolved.computeIfAbsent(className, name -> {
            try {
                return Optional.of(Class.forName(name, false, loader));
            } catch (ClassNotFoundException | LinkageError e) {
                return Optional.empty();
            }
        });
    }

    static boolean isDenied(String className) {
        for (String entry : DENIED) {
            if (entry.endsWith(".") ? className.startsWith(entry)
                    : className.equals(entry) || className.startsWith(entry + "$")) {
                return true;
            }
        }
        return false;
    }

    static String packageOf(String className) {
        int dot = className.lastIndexOf('.');
        return dot < 0 ? "" : className.substring(0, dot);
    }

    /** Collects classes, names and patterns; shared by the codecs' builders. Not thread-safe. */
    static final class Builder {
        private final Map<String, Class<?>> classes = new LinkedHashMap<>();
        private final Set<String> names = new LinkedHashSet<>();
        private final Set<String> packages = new LinkedHashSet<>();
        private final Set<String> packageTrees = new LinkedHashSet<>();

        private Builder() {
        }

        void addClass(String option, Class<?> type) {
            Objects.requireNonNull(type, option);
            if (isDenied(type.getName())) {
                throw new IllegalArgumentException(option + ": " + type.getName()
                        + " is a known deserialization gadget and is never allowed");
            }
            Class<?> previous = classes.putIfAbsent(type.getName(), type);
            if (previous != null && previous != type) {
                throw new IllegalArgumentException(option + ": two different classes named " + type.getName()
                        + " (from different class loaders)");
            }
        }

        /**
         * Adds a class name or a package pattern.
         *
         * @throws IllegalArgumentException naming {@code option} for a malformed or too broad pattern
         */
        void addPattern(String option, String pattern) {
            Objects.requireNonNull(pattern, option);
            String p = pattern.trim();
            if (p.endsWith(".**")) {
                String pkg = p.substring(0, p.length() - 3);
                requireQualifiedName(option, pattern, pkg);
                requireNotJdkRoot(option, pattern, pkg);
                if (!pkg.contains(".")) {
                    throw new IllegalArgumentException(option + ": '" + pattern + "' covers a whole top-level domain;"
                            + " name your own packages (such as com.example.**)");
                }
                packageTrees.add(pkg);
            } else if (p.endsWith(".*")) {
                String pkg = p.substring(0, p.length() - 2);
                requireQualifiedName(option, pattern, pkg);
                requireNotJdkRoot(option, pattern, pkg);
                packages.add(pkg);
            } else {
                requireQualifiedName(option, pattern, p);
                if (isDenied(p)) {
                    throw new IllegalArgumentException(option + ": " + p
                            + " is a known deserialization gadget and is never allowed");
                }
                names.add(p);
            }
        }

        private static void requireNotJdkRoot(String option, String pattern, String pkg) {
            for (String root : JDK_ROOTS) {
                if (pkg.equals(root) || pkg.startsWith(root + ".")) {
                    throw new IllegalArgumentException(option + ": '" + pattern + "' would allow JDK or platform "
                            + "classes wholesale; name the classes you need one by one");
                }
            }
        }

        private static void requireQualifiedName(String option, String pattern, String name) {
            if (name.isEmpty()) {
                throw new IllegalArgumentException(option + ": '" + pattern
                        + "' is not a class name or package pattern (com.example.Cart, com.example.*, com.example.**)");
            }
            for (String part : name.split("\\.", -1)) {
                if (part.isEmpty() || !Character.isJavaIdentifierStart(part.codePointAt(0))
                        || !part.codePoints().allMatch(c -> Character.isJavaIdentifierPart(c) || c == '$')) {
                    throw new IllegalArgumentException(option + ": '" + pattern + "' is not a class name or package "
                            + "pattern (com.example.Cart, com.example.*, com.example.**)");
                }
            }
        }

        TypeAllowList build(ClassLoader loader) {
            return new TypeAllowList(this, loader);
        }
    }

    /** The class loader a codec uses when none is configured: the thread's context loader, else core's own. */
    static ClassLoader defaultLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : TypeAllowList.class.getClassLoader();
    }

    /** Splits {@code codec-types} text: names separated by commas and/or whitespace. */
    static List<String> split(String text) {
        return java.util.Arrays.stream(text.split("[,\\s]+"))
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
