package dev.stateless.core.session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.ObjectStreamException;
import java.io.Serializable;
import java.util.Objects;
import java.util.Set;

/**
 * Java serialization for legacy {@link Serializable} values: the Servlet specification's contract
 * for the attributes of a distributable application, and what JavaBeans with private state (a
 * {@code java.util.Random}, fields without setters, no no-argument constructor) need to survive
 * a move between nodes. Prefer {@link JsonAttributeCodec} for types it can carry.
 *
 * <p>Safety: stored bytes are untrusted. They are read only through an {@link ObjectInputStream}
 * whose classes are resolved by name against an allow-list before anything is loaded, and that
 * runs under a JDK {@link ObjectInputFilter} (JEP 290) applying the same allow-list and limits to
 * every class, array and reference in the stream. A class off the list, a dynamic proxy, a
 * serialized lambda, a stream nested deeper than {@code maxDepth}, with more than
 * {@code maxRefs} references, an array longer than {@code maxArrayLength}, more than
 * {@code maxBytes} bytes, or arrays claiming more elements than the stream could fill, is refused
 * before any instance is made, with {@link AttributeCodecException.Reason#UNDECODABLE} naming the
 * class or the limit. What is allowed:
 * <ul>
 *   <li>the classes and patterns you give ({@link Builder#allow(Class[])},
 *       {@link Builder#allowTypes(String...)}: {@code com.example.Cart}, {@code com.example.*},
 *       {@code com.example.**}), resolved with the configured class loader (the webapp's);</li>
 *   <li>a fixed set of JDK value types ({@link #JDK_TYPES}): {@code String}, boxed primitives,
 *       {@code BigDecimal}/{@code BigInteger}, {@code java.util} collections and maps with their
 *       {@code Collections.unmodifiable*}/{@code synchronized*}/{@code empty*}/{@code singleton*}
 *       wrappers and {@code List.of}-style immutable collections, {@code java.util.concurrent}
 *       maps, lists, queues and atomics, {@code Date}, {@code UUID}, {@code Locale},
 *       {@code Currency}, {@code Random}, {@code BitSet}, {@code java.net.URI}, the superclasses of
 *       exceptions ({@code Throwable}, {@code Exception}, {@code RuntimeException}) and
 *       {@code StackTraceElement},
 *       {@code java.sql.Date/Time/Timestamp}, everything in {@code java.time}, and arrays of allowed
 *       types. Nothing from {@code java.rmi}, {@code javax.management}, {@code java.lang.reflect},
 *       {@code java.lang.invoke}, {@code sun.*}, {@code jdk.*} or libraries with known gadgets
 *       (Commons Collections, Groovy...) is ever allowed, even by a pattern.</li>
 * </ul>
 *
 * <p>Encoding refuses, with {@link AttributeCodecException.Reason#UNSUPPORTED_TYPE}, a value that is
 * not {@code Serializable} or holds an object that is not (naming its type and the field path that
 * leads to it), a value holding a class decoding would refuse, and a value over the limits: each
 * value is read back once after writing, so nothing is stored that cannot be read back. Reading
 * back runs the classes' {@code readObject}/{@code readResolve} methods once more per encode.
 *
 * <p>Change detection: Java serialization is not deterministic in general (the order of a
 * {@code HashMap} or {@code HashSet} may differ after a round trip, identity hash codes differ
 * between JVMs). Stores and the servlet filter detect a changed attribute by comparing bytes, so a
 * value that reads back in another order only costs an extra write of an unchanged attribute: never
 * a lost write.
 *
 * <p>Immutable and thread-safe.
 */
public final class SerializableAttributeCodec implements AttributeCodec {

    /**
     * The JDK classes allowed without being named (beyond {@code java.time}, allowed as a package,
     * and arrays of allowed types). Public record-like value classes and the collections'
     * serialized forms only: none of them runs user-supplied code while being read, apart from the
     * comparators and elements that are themselves subject to the allow-list.
     */
    public static final Set<String> JDK_TYPES = Set.of(
            "java.lang.Object", "java.lang.String", "java.lang.Boolean", "java.lang.Byte", "java.lang.Character",
            "java.lang.Short", "java.lang.Integer", "java.lang.Long", "java.lang.Float", "java.lang.Double",
            "java.lang.Number", "java.lang.Enum",
            // exceptions (Spring Security keeps the last login failure in the session); their own
            // classes must be allowed, these are only the superclasses and the stack trace
            "java.lang.Throwable", "java.lang.Exception", "java.lang.RuntimeException", "java.lang.StackTraceElement",
            "java.math.BigDecimal", "java.math.BigInteger",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.ArrayDeque", "java.util.Vector", "java.util.Stack",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.Hashtable",
            "java.util.Properties", "java.util.IdentityHashMap", "java.util.EnumMap",
            "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet", "java.util.EnumSet$SerializationProxy",
            "java.util.Map$Entry", "java.util.AbstractMap$SimpleEntry", "java.util.AbstractMap$SimpleImmutableEntry",
            "java.util.Arrays$ArrayList", "java.util.CollSer", "java.util.Comparators$NaturalOrderComparator",
            "java.util.Collections$EmptyList", "java.util.Collections$EmptySet", "java.util.Collections$EmptyMap",
            "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet",
            "java.util.Collections$SingletonMap", "java.util.Collections$CopiesList",
            "java.util.Collections$UnmodifiableCollection", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$UnmodifiableSortedSet", "java.util.Collections$UnmodifiableNavigableSet",
            "java.util.Collections$UnmodifiableNavigableSet$EmptyNavigableSet",
            "java.util.Collections$UnmodifiableMap", "java.util.Collections$UnmodifiableSortedMap",
            "java.util.Collections$UnmodifiableNavigableMap",
            "java.util.Collections$UnmodifiableNavigableMap$EmptyNavigableMap",
            "java.util.Collections$SynchronizedCollection", "java.util.Collections$SynchronizedList",
            "java.util.Collections$SynchronizedRandomAccessList", "java.util.Collections$SynchronizedSet",
            "java.util.Collections$SynchronizedSortedSet", "java.util.Collections$SynchronizedMap",
            "java.util.Collections$SynchronizedSortedMap",
            "java.util.Collections$ReverseComparator", "java.util.Collections$ReverseComparator2",
            // what the serialized forms above read back as (readResolve results are filtered too)
            "java.util.RegularEnumSet", "java.util.JumboEnumSet", "java.util.ImmutableCollections$ListN",
            "java.util.ImmutableCollections$List12", "java.util.ImmutableCollections$SetN",
            "java.util.ImmutableCollections$Set12", "java.util.ImmutableCollections$MapN",
            "java.util.ImmutableCollections$Map1",
            "java.util.Date", "java.util.UUID", "java.util.Locale", "java.util.Currency", "java.util.Random",
            "java.util.BitSet",
            "java.util.concurrent.ConcurrentHashMap", "java.util.concurrent.ConcurrentHashMap$Segment",
            "java.util.concurrent.locks.ReentrantLock", "java.util.concurrent.locks.ReentrantLock$Sync",
            "java.util.concurrent.locks.ReentrantLock$NonfairSync",
            "java.util.concurrent.locks.AbstractQueuedSynchronizer",
            "java.util.concurrent.locks.AbstractOwnableSynchronizer",
            "java.util.concurrent.CopyOnWriteArrayList", "java.util.concurrent.CopyOnWriteArraySet",
            "java.util.concurrent.ConcurrentLinkedQueue", "java.util.concurrent.ConcurrentLinkedDeque",
            "java.util.concurrent.ConcurrentSkipListMap", "java.util.concurrent.ConcurrentSkipListSet",
            "java.util.concurrent.atomic.AtomicInteger", "java.util.concurrent.atomic.AtomicLong",
            "java.util.concurrent.atomic.AtomicBoolean", "java.util.concurrent.atomic.AtomicReference",
            "java.net.URI", "java.sql.Date", "java.sql.Time", "java.sql.Timestamp");

    private static final String JAVA_TIME = "java.time";

    private final TypeAllowList allowList;
    private final int maxDepth;
    private final long maxRefs;
    private final int maxArrayLength;
    private final int maxBytes;

    private SerializableAttributeCodec(Builder builder) {
        this.allowList = builder.types.build(builder.loader != null ? builder.loader : TypeAllowList.defaultLoader());
        this.maxDepth = builder.maxDepth;
        this.maxRefs = builder.maxRefs;
        this.maxArrayLength = builder.maxArrayLength;
        this.maxBytes = builder.maxBytes;
    }

    /**
     * Starts the configuration of a Java serialization codec; no class is allowed until one is.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@inheritDoc}
     *
     * @throws AttributeCodecException ({@code UNSUPPORTED_TYPE}) for a value that is not
     *     {@code Serializable}, holds something that is not, holds a class off the allow-list, or
     *     cannot be read back under the limits; the message names the type and, where known, the
     *     field path
     */
    @Override
    public byte[] encode(Object value) {
        Objects.requireNonNull(value, "value");
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        GuardedOutputStream out = null;
        try {
            out = new GuardedOutputStream(buffer);
            out.writeObject(value);
            out.close();
        } catch (IOException e) {
            // After a failure, ObjectOutputStream writes the exception itself: what counts is the first refusal.
            Class<?> type = out != null ? out.refused : null;
            if (type == null) {
                throw refused(value, "cannot be serialized: " + e, null, e);
            }
            Class<?> offending = type;
            String path = FieldPath.find(value, offending::isInstance);
            if (!Serializable.class.isAssignableFrom(type)) {
                throw refused(value, "holds a value of type " + type.getName() + ", which is not Serializable", path, e);
            }
            throw refused(value, "holds a value of type " + type.getName() + ", which the codec does not allow"
                    + " (allow it with allowTypes(...) or codec-types)", path, e);
        }
        byte[] bytes = buffer.toByteArray();
        if (bytes.length > maxBytes) {
            throw refused(value, "is " + bytes.length + " bytes serialized, more than maxBytes (" + maxBytes + ")",
                    null, null);
        }
        try {
            decode(bytes);
        } catch (AttributeCodecException e) {
            throw refused(value, "could not be read back: " + e.getMessage().replace("stored value cannot be decoded: ", ""),
                    null, e);
        }
        return bytes;
    }

    private static AttributeCodecException refused(Object value, String what, String path, Throwable cause) {
        String at = path != null && !path.isEmpty() ? " (at " + path + ")" : "";
        return new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                "a value of type " + value.getClass().getName() + " " + what + at, cause);
    }

    /**
     * {@inheritDoc}
     *
     * @throws AttributeCodecException ({@code UNDECODABLE}) for corrupt bytes, a class off the
     *     allow-list (named; it is neither loaded nor instantiated), a limit exceeded, or a class that
     *     changed incompatibly
     */
    @Override
    public Object decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length > maxBytes) {
            throw undecodable("it is " + bytes.length + " bytes, more than maxBytes (" + maxBytes + ")", null);
        }
        Guard guard = new Guard(bytes.length);
        ByteArrayInputStream source = new ByteArrayInputStream(bytes);
        try (GuardedInputStream in = new GuardedInputStream(source, guard)) {
            Object value = in.readObject();
            if (value == null) {
                throw undecodable("it is null", null);
            }
            if (source.available() > 0) {
                throw undecodable("trailing bytes after the value", null);
            }
            return value;
        } catch (AttributeCodecException e) {
            throw e;
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            if (guard.rejection != null) {
                throw undecodable(guard.rejection, e);
            }
            // Never echo the stored bytes: they may hold personal data.
            throw undecodable(e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + abbreviate(e.getMessage()) : ""), e);
        } catch (StackOverflowError e) {
            throw undecodable("nested too deeply", null);
        }
    }

    private static AttributeCodecException undecodable(String why, Throwable cause) {
        return new AttributeCodecException(AttributeCodecException.Reason.UNDECODABLE,
                "stored value cannot be decoded: " + why, cause);
    }

    private static String abbreviate(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Refused: a concrete class that is not {@code Serializable} or not on the allow-list.
     * Interfaces and abstract types pass (their values are checked when encoded).
     */
    @Override
    public void requireEncodable(Class<?> type) {
        Objects.requireNonNull(type, "type");
        if (type.isPrimitive() || type.isInterface() || java.lang.reflect.Modifier.isAbstract(type.getModifiers())
                || type == Object.class) {
            return;
        }
        if (!Serializable.class.isAssignableFrom(type)) {
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "type " + type.getName() + " is not Serializable", null);
        }
        if (!allows(type)) {
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "type " + type.getName() + " is not allowed by the codec (allow it with allowTypes(...) or codec-types)",
                    null);
        }
    }

    /** Whether a class of this name may be read, decided on the name alone. */
    private boolean allowsName(String name) {
        if (TypeAllowList.isDenied(name)) {
            return false;
        }
        return JDK_TYPES.contains(name) || TypeAllowList.packageOf(name).equals(JAVA_TIME) || allowList.permits(name);
    }

    /** Whether this class may be read: its name is allowed, and an application class is the loader's. */
    private boolean allows(Class<?> type) {
        while (type.isArray()) {
            type = type.getComponentType();
        }
        if (type.isPrimitive()) {
            return true;
        }
        String name = type.getName();
        if (TypeAllowList.isDenied(name) || java.lang.reflect.Proxy.isProxyClass(type)) {
            return false;
        }
        if (JDK_TYPES.contains(name) || TypeAllowList.packageOf(name).equals(JAVA_TIME)) {
            return type.getClassLoader() == null || type.getClassLoader() == ClassLoader.getPlatformClassLoader();
        }
        return allowList.permits(type);
    }

    /** The element type's name of an array descriptor name ({@code [[Lcom.x.Y;} gives {@code com.x.Y}), or null. */
    private static String elementName(String name) {
        int i = 0;
        while (i < name.length() && name.charAt(i) == '[') {
            i++;
        }
        if (i == 0) {
            return name;
        }
        if (i < name.length() && name.charAt(i) == 'L' && name.endsWith(";")) {
            return name.substring(i + 1, name.length() - 1);
        }
        return null; // a primitive array
    }

    private final class GuardedOutputStream extends ObjectOutputStream {
        /** The first class refused (not Serializable, or off the allow-list). */
        Class<?> refused;

        GuardedOutputStream(ByteArrayOutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        private RefusedClassException refuse(Class<?> type) {
            if (refused == null) {
                refused = type;
            }
            return new RefusedClassException(type);
        }

        @Override
        protected Object replaceObject(Object obj) throws IOException {
            if (!(obj instanceof Serializable)) {
                throw refuse(obj.getClass());
            }
            return obj;
        }

        @Override
        protected void annotateClass(Class<?> type) throws IOException {
            if (!allows(type)) {
                throw refuse(type);
            }
        }

        @Override
        protected void annotateProxyClass(Class<?> type) throws IOException {
            throw refuse(type);
        }
    }

    /** Thrown while writing a class decoding would refuse. */
    private static final class RefusedClassException extends ObjectStreamException {
        private static final long serialVersionUID = 1L;
        private final transient Class<?> type;

        RefusedClassException(Class<?> type) {
            super(type.getName());
            this.type = type;
        }
    }

    private final class GuardedInputStream extends ObjectInputStream {
        private final Guard guard;

        GuardedInputStream(ByteArrayInputStream in, Guard guard) throws IOException {
            super(in);
            this.guard = guard;
            setObjectInputFilter(guard);
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            String name = desc.getName();
            String element = elementName(name);
            if (element != null && !allowsName(element)) {
                throw guard.reject("type " + abbreviate(element) + " is not allowed by the attribute codec"
                        + " (allowTypes / codec-types)");
            }
            Class<?> given = allowList.classes().get(name);
            if (given != null) {
                return given;
            }
            try {
                return Class.forName(name, false, allowList.loader());
            } catch (ClassNotFoundException e) {
                throw guard.reject("type " + abbreviate(name) + " is allowed but not found by the codec's class loader");
            }
        }

        @Override
        protected Class<?> resolveProxyClass(String[] interfaces) throws IOException {
            throw guard.reject("dynamic proxies are never decoded");
        }
    }

    /** The JEP 290 filter of one stream: allow-list and limits; remembers why it refused. */
    private final class Guard implements ObjectInputFilter {
        private final long length;
        private long referenceElements;
        private long primitiveBytes;
        String rejection;

        Guard(long length) {
            this.length = length;
        }

        InvalidClassException reject(String why) {
            if (rejection == null) {
                rejection = why;
            }
            return new InvalidClassException(why);
        }

        private Status refuse(String why) {
            if (rejection == null) {
                rejection = why;
            }
            return Status.REJECTED;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            if (info.depth() > maxDepth) {
                return refuse("nested deeper than maxDepth (" + maxDepth + ")");
            }
            if (info.references() > maxRefs) {
                return refuse("more than maxRefs (" + maxRefs + ") objects and references");
            }
            if (info.streamBytes() > maxBytes) {
                return refuse("more than maxBytes (" + maxBytes + ")");
            }
            Class<?> type = info.serialClass();
            if (type == null) {
                return Status.UNDECIDED;
            }
            if (type.isArray() && info.arrayLength() >= 0) {
                long count = info.arrayLength();
                if (count > maxArrayLength) {
                    return refuse("an array of " + count + " elements, more than maxArrayLength (" + maxArrayLength + ")");
                }
                Class<?> element = type.getComponentType();
                // Each element of a reference array needs at least a byte of the stream (a few JDK
                // collections size their tables up to a few times their entries); primitive
                // elements are all in the stream. So a few bytes cannot make the reader allocate
                // gigabytes.
                if (element.isPrimitive()) {
                    primitiveBytes += count * primitiveSize(element);
                    if (primitiveBytes > length) {
                        return refuse("arrays claim more elements than the stored bytes hold");
                    }
                } else {
                    referenceElements += count;
                    if (referenceElements > 4 * length + 1024) {
                        return refuse("arrays claim more elements than the stored bytes hold");
                    }
                }
            }
            if (!allows(type)) {
                Class<?> element = type;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                return refuse(java.lang.reflect.Proxy.isProxyClass(element) ? "dynamic proxies are never decoded"
                        : "type " + element.getName() + " is not allowed by the attribute codec (allowTypes / codec-types)");
            }
            return Status.ALLOWED;
        }
    }

    private static int primitiveSize(Class<?> type) {
        if (type == long.class || type == double.class) {
            return 8;
        }
        if (type == int.class || type == float.class) {
            return 4;
        }
        if (type == short.class || type == char.class) {
            return 2;
        }
        return 1;
    }

    /**
     * Configures a {@link SerializableAttributeCodec}. Not thread-safe; the codec it builds is.
     * Limits fail at the setter with a message naming the option.
     */
    public static final class Builder {
        private final TypeAllowList.Builder types = TypeAllowList.builder();
        private ClassLoader loader;
        private int maxDepth = 100;
        private long maxRefs = 100_000;
        private int maxArrayLength = 1_000_000;
        private int maxBytes = 8 * 1024 * 1024;

        private Builder() {
        }

        /**
         * Allows these classes (and, for decoding, only these very {@code Class} objects).
         *
         * @param classes the classes to allow
         * @return this builder
         * @throws IllegalArgumentException for a class that is not {@code Serializable}, or a known gadget
         */
        public Builder allow(Class<?>... classes) {
            for (Class<?> type : classes) {
                Objects.requireNonNull(type, "allow");
                if (!Serializable.class.isAssignableFrom(type)) {
                    throw new IllegalArgumentException("allow: " + type.getName() + " is not Serializable");
                }
                types.addClass("allow", type);
            }
            return this;
        }

        /**
         * Allows classes by name and package: {@code com.example.Cart} (that class),
         * {@code com.example.*} (classes of that package), {@code com.example.**} (the package and
         * its subpackages). Names are resolved with the {@linkplain #classLoader class loader} only
         * when stored bytes name them.
         *
         * @param patterns class names or {@code package.*} patterns
         * @return this builder
         * @throws IllegalArgumentException for a malformed pattern, one covering JDK packages
         *     wholesale ({@code java.**}) or a whole top-level domain ({@code com.**}), or a known gadget
         */
        public Builder allowTypes(String... patterns) {
            for (String pattern : patterns) {
                types.addPattern("allowTypes", pattern);
            }
            return this;
        }

        /**
         * The class loader that resolves class names (default: the thread's context class loader at {@link
         * #build}).
         *
         * @param loader the class loader
         * @return this builder
         */
        public Builder classLoader(ClassLoader loader) {
            this.loader = Objects.requireNonNull(loader, "classLoader");
            return this;
        }

        /**
         * Deepest nesting of objects in a stored value (default 100).
         *
         * @param depth at least 1
         * @return this builder
         */
        public Builder maxDepth(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("maxDepth must be at least 1, was " + depth);
            }
            this.maxDepth = depth;
            return this;
        }

        /**
         * Most objects, strings, classes and back-references in a stored value (default 100,000).
         *
         * @param refs at least 1
         * @return this builder
         */
        public Builder maxRefs(long refs) {
            if (refs < 1) {
                throw new IllegalArgumentException("maxRefs must be at least 1, was " + refs);
            }
            this.maxRefs = refs;
            return this;
        }

        /**
         * Longest array (and collection) in a stored value, in elements (default 1,000,000).
         *
         * @param length zero or more
         * @return this builder
         */
        public Builder maxArrayLength(int length) {
            if (length < 0) {
                throw new IllegalArgumentException("maxArrayLength must not be negative, was " + length);
            }
            this.maxArrayLength = length;
            return this;
        }

        /**
         * Largest stored value, in bytes (default 8 MiB).
         *
         * @param bytes at least 1
         * @return this builder
         */
        public Builder maxBytes(int bytes) {
            if (bytes < 16) {
                throw new IllegalArgumentException("maxBytes must be at least 16, was " + bytes);
            }
            this.maxBytes = bytes;
            return this;
        }

        /**
         * Makes the codec; its {@code ObjectInputFilter} is built here from the allow-list and limits.
         *
         * @return a thread-safe codec
         */
        public SerializableAttributeCodec build() {
            return new SerializableAttributeCodec(this);
        }
    }
}
