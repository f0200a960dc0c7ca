package dev.stateless.core.session;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URI;
import java.util.Collection;
import java.util.Currency;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether JSON can carry a class faithfully: it can be created when read (a record, an
 * enum, a no-argument constructor or a {@code @JsonCreator}), and every non-transient field has a
 * type whose values JSON stores and reads back (JDK value types the codec knows, allowed classes,
 * or declared types whose runtime values are checked one by one). Classes a Jackson module or a
 * mixin takes care of are left to that module, and to the round-trip check at first encode.
 */
final class JsonTypeCheck {

    /** What the check needs to know about the codec it runs for. */
    interface Codec {
        /** Whether an application class is on the allow-list (or, while building, will be). */
        boolean allows(Class<?> type);

        /** Whether a module or mixin handles this class itself. */
        boolean customized(Class<?> type);
    }

    /** Final JDK classes that Jackson writes as a string and reads back equal, without a type id. */
    private static final Set<Class<?>> JDK_STRINGS = Set.of(Locale.class, Currency.class, URI.class);

    private static final String ADVICE = "; use SerializableAttributeCodec (codec=serializable) for such classes";

    private JsonTypeCheck() {
    }

    /** Why JSON cannot carry {@code type}, or null when it can. */
    static String problem(Class<?> type, Codec codec) {
        return new Walk(codec).check(type);
    }

    /** Refuses, naming the option, a class JSON cannot carry. */
    static void require(String option, Class<?> type, Codec codec) {
        String problem = problem(type, codec);
        if (problem != null) {
            throw new IllegalArgumentException(option + ": " + type.getName() + " cannot be stored as JSON without "
                    + "losing state: " + problem + adviceFor(problem));
        }
    }

    static String advice() {
        return ADVICE;
    }

    /** The advice for a problem: allowing a missing type needs no other codec. */
    static String adviceFor(String problem) {
        return problem.endsWith("(allow it too)") ? "" : ADVICE;
    }

    static boolean isJdk(Class<?> type) {
        String name = type.getName();
        return name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
                || name.startsWith("sun.") || name.startsWith("com.sun.");
    }

    private static final class Walk {
        private final Codec codec;
        private final Set<Class<?>> seen = new HashSet<>();

        Walk(Codec codec) {
            this.codec = codec;
        }

        String check(Class<?> type) {
            if (!seen.add(type) || type.isEnum() || JsonAttributeCodec.TypeRegistry.isBuiltIn(type)) {
                return null;
            }
            if (isJdk(type)) {
                return "JSON carries only the JDK types it lists, and cannot read the private fields of " + type.getName();
            }
            if (codec.customized(type)) {
                return null;
            }
            if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic() || type.getName().contains("$$Lambda")) {
                return "it is an anonymous or local class, or a lambda";
            }
            if (type.isMemberClass() && !Modifier.isStatic(type.getModifiers())) {
                return "it is an inner class, which needs its enclosing instance (make it static)";
            }
            for (Class<?> s = type.getSuperclass(); s != null && s != Object.class && s != Record.class; s = s.getSuperclass()) {
                if (isJdk(s)) {
                    return "it extends " + s.getName() + ", whose state JSON does not store";
                }
            }
            String creator = !type.isRecord() && !hasCreator(type)
                    ? "it has no usable creator (no no-argument constructor, not a record, no @JsonCreator)" : null;
            String field = checkFields(type);
            if (creator != null && field != null) {
                return creator + ", and its " + field;
            }
            return creator != null ? creator : field;
        }

        private String checkFields(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class && c != Record.class; c = c.getSuperclass()) {
                for (Field field : c.getDeclaredFields()) {
                    int modifiers = field.getModifiers();
                    if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers) || field.isSynthetic()
                            || field.isAnnotationPresent(JsonIgnore.class)) {
                        continue;
                    }
                    String problem = checkType(field.getGenericType());
                    if (problem != null) {
                        return "field '" + field.getName() + "' of " + c.getSimpleName() + " (" + field.getGenericType()
                                .getTypeName() + "): " + problem;
                    }
                }
            }
            return null;
        }

        private String checkType(Type declared) {
            if (declared instanceof Class<?> c) {
                return checkClass(c);
            }
            if (declared instanceof GenericArrayType array) {
                return checkType(array.getGenericComponentType());
            }
            if (declared instanceof WildcardType wildcard) {
                for (Type bound : wildcard.getUpperBounds()) {
                    String problem = checkType(bound);
                    if (problem != null) {
                        return problem;
                    }
                }
                return null;
            }
            if (declared instanceof TypeVariable<?> variable) {
                for (Type bound : variable.getBounds()) {
                    String problem = checkType(bound);
                    if (problem != null) {
                        return problem;
                    }
                }
                return null;
            }
            if (declared instanceof ParameterizedType parameterized) {
                Class<?> raw = (Class<?>) parameterized.getRawType();
                String problem = checkClass(raw);
                if (problem != null) {
                    return problem;
                }
                Type[] arguments = parameterized.getActualTypeArguments();
                if (Map.class.isAssignableFrom(raw) && arguments.length == 2 && arguments[0] instanceof Class<?> key
                        && key != String.class && key != Object.class) {
                    return "map keys must be strings, not " + key.getName();
                }
                for (Type argument : arguments) {
                    problem = checkType(argument);
                    if (problem != null) {
                        return problem;
                    }
                }
                return null;
            }
            return null;
        }

        private String checkClass(Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.isPrimitive() || c == Object.class || c.isEnum() || JsonAttributeCodec.TypeRegistry.isBuiltIn(c)
                    || JDK_STRINGS.contains(c)) {
                return null;
            }
            if (c.isAnnotationPresent(FunctionalInterface.class)) {
                return c.getName() + " is a functional interface: a lambda cannot be stored";
            }
            boolean open = c.isInterface() || Modifier.isAbstract(c.getModifiers());
            if (isJdk(c)) {
                if (open && JsonAttributeCodec.TypeRegistry.anyBuiltInFits(c)) {
                    return null; // values are typed one by one when written, and refused if not allowed
                }
                if (Collection.class.isAssignableFrom(c) || Map.class.isAssignableFrom(c)) {
                    return c.getName() + " would come back as another collection class";
                }
                return c.getName() + " is not a type JSON can store";
            }
            if (open || codec.customized(c)) {
                return null; // values are typed one by one when written, and refused if not allowed
            }
            if (!codec.allows(c)) {
                return c.getName() + " is not on the allow-list (allow it too)";
            }
            String nested = check(c);
            return nested == null ? null : c.getName() + ": " + nested;
        }

        private static boolean hasCreator(Class<?> type) {
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (constructor.getParameterCount() == 0 || constructor.isAnnotationPresent(JsonCreator.class)) {
                    return true;
                }
            }
            for (Method method : type.getDeclaredMethods()) {
                if (Modifier.isStatic(method.getModifiers()) && method.isAnnotationPresent(JsonCreator.class)) {
                    return true;
                }
            }
            return false;
        }
    }
}
