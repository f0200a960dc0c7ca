package dev.stateless.core.session;

import java.io.ObjectStreamClass;
import java.io.ObjectStreamField;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Finds, for an error message, the path from a value to the first object inside it that matches:
 * {@code LegacyBean.helper.lock}, {@code Order.lines[2].supplier}. Follows the fields Java
 * serialization would write, and the elements of arrays, collections and maps. Best effort: a
 * class that writes other things in its own {@code writeObject} may hide the path.
 */
final class FieldPath {

    private static final int MAX_VISITS = 10_000;

    private FieldPath() {
    }

    /** The path to the first match, or null when none was found within a bounded walk. */
    static String find(Object root, Predicate<Object> match) {
        Deque<Step> pending = new ArrayDeque<>();
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        pending.add(new Step(root, root.getClass().getSimpleName()));
        int visits = 0;
        while (!pending.isEmpty() && visits++ < MAX_VISITS) {
            Step step = pending.removeFirst();
            Object value = step.value();
            if (seen.put(value, Boolean.TRUE) != null) {
                continue;
            }
            if (value != root && match.test(value)) {
                return step.path();
            }
            try {
                if (value.getClass().isArray()) {
                    if (!value.getClass().getComponentType().isPrimitive()) {
                        for (int i = 0; i < Array.getLength(value); i++) {
                            add(pending, Array.get(value, i), step.path() + "[" + i + "]");
                        }
                    }
                } else if (value instanceof Map<?, ?> map) {
                    for (Map.Entry<?, ?> entry : map.entrySet()) {
                        add(pending, entry.getKey(), step.path() + "[key]");
                        add(pending, entry.getValue(), step.path() + "[" + describeKey(entry.getKey()) + "]");
                    }
                } else if (value instanceof Collection<?> collection) {
                    int i = 0;
                    for (Object element : collection) {
                        add(pending, element, step.path() + "[" + i++ + "]");
                    }
                } else {
                    for (Class<?> type = value.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
                        ObjectStreamClass stream = ObjectStreamClass.lookupAny(type);
                        for (ObjectStreamField field : stream.getFields()) {
                            if (field.isPrimitive()) {
                                continue;
                            }
                            Object child = read(type, field.getName(), value);
                            add(pending, child, step.path() + "." + field.getName());
                        }
                    }
                }
            } catch (RuntimeException e) {
                // a collection that fails to iterate, a field we may not read: look elsewhere
            }
        }
        return match.test(root) ? root.getClass().getSimpleName() : null;
    }

    private static void add(Deque<Step> pending, Object value, String path) {
        if (value != null) {
            pending.addLast(new Step(value, path));
        }
    }

    private static String describeKey(Object key) {
        return key instanceof String s && s.length() <= 40 ? '"' + s + '"' : "…";
    }

    private static Object read(Class<?> type, String name, Object target) {
        try {
            Field field = type.getDeclaredField(name);
            return field.trySetAccessible() ? field.get(target) : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private record Step(Object value, String path) {}
}
