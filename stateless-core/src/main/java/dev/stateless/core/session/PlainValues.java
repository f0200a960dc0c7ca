package dev.stateless.core.session;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Values made only of the JDK's own immutable values and collections ({@code String}, boxed
 * numbers, {@code ArrayList}, {@code HashMap}, ...; exact classes, no subclasses): for these, a
 * copy taken when a session value is decoded tells at save time whether the request changed it in
 * place, by comparing the two, without encoding the value again. Anything else (an application's
 * class, a {@code Date}, an array, a collection with a comparator) is not plain: the session then
 * encodes the value again and compares the bytes, as for every value before.
 *
 * <p><b>Internal</b>: used by the servlet module's session and the benchmarks; it may change.
 *
 * <p>The comparison is stricter than {@code equals} where an encoding would differ: classes must
 * be the same at every level, and ordered collections ({@code List}, {@code LinkedHashMap},
 * {@code TreeMap}, ...) must hold their elements in the same order. {@code HashMap} and
 * {@code HashSet} compare as sets, since their order is not the application's.
 */
public final class PlainValues {

    /** Values that cannot change after being read: they never need a copy or a second encoding. */
    static final Set<Class<?>> IMMUTABLE = Set.of(String.class, Boolean.class, Integer.class, Long.class,
            Short.class, Byte.class, Double.class, Float.class, Character.class, BigDecimal.class, BigInteger.class,
            UUID.class, java.time.Instant.class, java.time.LocalDate.class, java.time.LocalDateTime.class,
            java.time.Duration.class);

    /** Deeper than this is not plain (and a cycle never is). */
    private static final int MAX_DEPTH = 32;

    private PlainValues() {
    }

    /**
     * Whether {@code value} is of a type that cannot change after being read.
     *
     * @param value a decoded value
     * @return whether it is immutable
     */
    public static boolean immutable(Object value) {
        if (value == null) {
            return false;
        }
        return isImmutable(value.getClass());
    }

    /**
     * Whether {@code value} is of a type whose encoding any codec of ours decodes back to an equal
     * value of the same type: {@code String}, {@code Long}, {@code Integer}, {@code Short},
     * {@code Byte}, {@code Boolean}, {@code Character}, {@code UUID}. (Not floating point numbers nor
     * {@code BigDecimal}, whose text forms need not bring back the same bits or scale.)
     *
     * @param value any value, or null
     * @return whether its type is one of those
     */
    public static boolean decodesExactly(Object value) {
        if (value == null) {
            return false;
        }
        Class<?> type = value.getClass();
        return type == String.class || type == Long.class || type == Integer.class || type == Boolean.class
                || type == Short.class || type == Byte.class || type == Character.class || type == UUID.class;
    }

    /** {@link #IMMUTABLE}'s test by identity: on every value a request reads, cheaper than the set's lookup. */
    static boolean isImmutable(Class<?> type) {
        return type == String.class || type == Long.class || type == Integer.class || type == Boolean.class
                || type == Double.class || type == Short.class || type == Byte.class || type == Float.class
                || type == Character.class || type == BigDecimal.class || type == BigInteger.class || type == UUID.class
                || type == java.time.Instant.class || type == java.time.LocalDate.class
                || type == java.time.LocalDateTime.class || type == java.time.Duration.class;
    }

    /**
     * A conservative estimate of the heap {@code value} takes (8-byte references, 2 bytes per
     * character), or -1 when it is neither immutable nor plain.
     *
     * @param value an immutable or plain value
     * @return estimated bytes, or -1
     */
    public static long footprint(Object value) {
        try {
            return footprint(value, 0);
        } catch (NotPlain e) {
            return -1;
        }
    }

    private static long footprint(Object value, int depth) {
        if (value == null) {
            return 0;
        }
        if (value instanceof String text) {
            return 64 + 2L * text.length();
        }
        if (isImmutable(value.getClass())) {
            return value instanceof BigDecimal || value instanceof BigInteger ? 128 : 48;
        }
        if (depth >= MAX_DEPTH) {
            throw NotPlain.INSTANCE;
        }
        Class<?> type = value.getClass();
        long bytes;
        if (type == ArrayList.class || type == LinkedList.class) {
            List<?> list = (List<?>) value;
            bytes = 64 + 40L * list.size();
            for (Object element : list) {
                bytes += footprint(element, depth + 1);
            }
            return bytes;
        }
        if (type == HashMap.class || type == LinkedHashMap.class || type == TreeMap.class) {
            Map<?, ?> map = (Map<?, ?>) value;
            bytes = 96 + 8L * capacity(map.size()) * 2 + 64L * map.size();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                bytes += footprint(key(entry.getKey()), depth + 1) + footprint(entry.getValue(), depth + 1);
            }
            return bytes;
        }
        if (type == HashSet.class || type == LinkedHashSet.class || type == TreeSet.class) {
            Set<?> set = (Set<?>) value;
            bytes = 128 + 8L * capacity(set.size()) * 2 + 64L * set.size();
            for (Object element : set) {
                bytes += footprint(key(element), depth + 1);
            }
            return bytes;
        }
        throw NotPlain.INSTANCE;
    }

    /**
     * A deep copy of {@code value} with the same classes and order at every level, or null when
     * {@code value} is not plain.
     *
     * @param value a decoded value, not null
     * @return the copy, or null
     */
    public static Object copy(Object value) {
        try {
            return copy(value, 0);
        } catch (NotPlain e) {
            return null;
        }
    }

    /**
     * Whether {@code value} is still what {@code copy} was copied from: the same classes, the same
     * elements, in the same order where order is kept.
     *
     * @param value the value the application holds
     * @param copy what {@link #copy} returned when it was decoded
     * @return whether they are the same
     */
    public static boolean same(Object value, Object copy) {
        return same(value, copy, 0);
    }

    private static Object copy(Object value, int depth) {
        if (value == null || isImmutable(value.getClass())) {
            return value;
        }
        if (depth >= MAX_DEPTH) {
            throw NotPlain.INSTANCE;
        }
        Class<?> type = value.getClass();
        if (type == ArrayList.class || type == LinkedList.class) {
            List<?> list = (List<?>) value;
            List<Object> copy = type == ArrayList.class ? new ArrayList<>(list.size()) : new LinkedList<>();
            for (Object element : list) {
                copy.add(copy(element, depth + 1));
            }
            return copy;
        }
        if (type == HashMap.class || type == LinkedHashMap.class
                || type == TreeMap.class && ((TreeMap<?, ?>) value).comparator() == null) {
            Map<?, ?> map = (Map<?, ?>) value;
            Map<Object, Object> copy = type == HashMap.class ? new HashMap<>(capacity(map.size()))
                    : type == LinkedHashMap.class ? new LinkedHashMap<>(capacity(map.size())) : new TreeMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                copy.put(key(entry.getKey()), copy(entry.getValue(), depth + 1));
            }
            return copy;
        }
        if (type == HashSet.class || type == LinkedHashSet.class
                || type == TreeSet.class && ((TreeSet<?>) value).comparator() == null) {
            Set<?> set = (Set<?>) value;
            Set<Object> copy = type == HashSet.class ? new HashSet<>(capacity(set.size()))
                    : type == LinkedHashSet.class ? new LinkedHashSet<>(capacity(set.size())) : new TreeSet<>();
            for (Object element : set) {
                copy.add(key(element));
            }
            return copy;
        }
        throw NotPlain.INSTANCE;
    }

    /** Keys and set elements must be immutable: a mutable key changed in place is not comparable. */
    private static Object key(Object key) {
        if (sameKey(key)) {
            return key;
        }
        throw NotPlain.INSTANCE;
    }

    private static int capacity(int size) {
        return (int) Math.min(1 << 30, size / 0.75 + 1);
    }

    private static boolean same(Object a, Object b, int depth) {
        if (a == null || b == null) {
            return a == b;
        }
        Class<?> type = a.getClass();
        if (type != b.getClass() || depth >= MAX_DEPTH) {
            return false;
        }
        if (isImmutable(type)) {
            return a.equals(b);
        }
        if (type == ArrayList.class || type == LinkedList.class) {
            return inOrder(((List<?>) a).iterator(), ((List<?>) b).iterator(), ((List<?>) a).size(),
                    ((List<?>) b).size(), depth);
        }
        if (type == HashMap.class) {
            Map<?, ?> ma = (Map<?, ?>) a;
            Map<?, ?> mb = (Map<?, ?>) b;
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> entry : ma.entrySet()) {
                Object key = entry.getKey();
                if (!sameKey(key) || !mb.containsKey(key) || !same(entry.getValue(), mb.get(key), depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (type == LinkedHashMap.class || type == TreeMap.class) {
            Map<?, ?> ma = (Map<?, ?>) a;
            Map<?, ?> mb = (Map<?, ?>) b;
            if (ma.size() != mb.size() || type == TreeMap.class && ((TreeMap<?, ?>) a).comparator() != null) {
                return false;
            }
            Iterator<? extends Map.Entry<?, ?>> ia = ma.entrySet().iterator();
            Iterator<? extends Map.Entry<?, ?>> ib = mb.entrySet().iterator();
            while (ia.hasNext() && ib.hasNext()) {
                Map.Entry<?, ?> ea = ia.next();
                Map.Entry<?, ?> eb = ib.next();
                if (!sameKey(ea.getKey()) || !same(ea.getKey(), eb.getKey(), depth + 1)
                        || !same(ea.getValue(), eb.getValue(), depth + 1)) {
                    return false;
                }
            }
            return !ia.hasNext() && !ib.hasNext();
        }
        if (type == HashSet.class) {
            Set<?> sa = (Set<?>) a;
            Set<?> sb = (Set<?>) b;
            if (sa.size() != sb.size()) {
                return false;
            }
            for (Object element : sa) {
                if (!sameKey(element) || !sb.contains(element)) {
                    return false;
                }
            }
            return true;
        }
        if (type == LinkedHashSet.class || type == TreeSet.class) {
            if (type == TreeSet.class && ((TreeSet<?>) a).comparator() != null) {
                return false;
            }
            Set<?> sa = (Set<?>) a;
            Set<?> sb = (Set<?>) b;
            return inOrder(sa.iterator(), sb.iterator(), sa.size(), sb.size(), depth);
        }
        return false;
    }

    /** A key the application put in since the copy (a mutable one) makes the value not the same. */
    private static boolean sameKey(Object key) {
        return key == null || isImmutable(key.getClass());
    }

    private static boolean inOrder(Iterator<?> a, Iterator<?> b, int sizeA, int sizeB, int depth) {
        if (sizeA != sizeB) {
            return false;
        }
        while (a.hasNext() && b.hasNext()) {
            if (!same(a.next(), b.next(), depth + 1)) {
                return false;
            }
        }
        return !a.hasNext() && !b.hasNext();
    }

    /** Thrown inside {@link #copy}: the value is not plain. */
    private static final class NotPlain extends RuntimeException {
        static final NotPlain INSTANCE = new NotPlain();

        private NotPlain() {
            super(null, null, false, false);
        }
    }
}
