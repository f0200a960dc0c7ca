package dev.stateless.core.session;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.TreeNode;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DatabindContext;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.deser.BasicDeserializerFactory;
import com.fasterxml.jackson.databind.deser.Deserializers;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.NamedType;
import com.fasterxml.jackson.databind.jsontype.PolymorphicTypeValidator;
import com.fasterxml.jackson.databind.jsontype.TypeIdResolver;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import com.fasterxml.jackson.databind.jsontype.impl.TypeIdResolverBase;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.LinkedList;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link AttributeCodec}: compact JSON through Jackson, with an explicit allow-list of
 * types.
 *
 * <p>What is allowed: {@code String}, boxed primitives, {@code BigDecimal}, {@code BigInteger},
 * {@code UUID}, {@code java.util.Date}, the {@code java.time} value types, arrays of those and JDK
 * lists, sets and maps of allowed values, plus the application's classes: given as classes
 * ({@linkplain Builder#allow(Class[]) allow}) or by name and package
 * ({@linkplain Builder#allowTypes(String...) allowTypes}: {@code com.example.Cart},
 * {@code com.example.*}, {@code com.example.**}, resolved with the webapp's
 * {@linkplain Builder#classLoader class loader}). Those are records, enums, or classes with a
 * no-argument constructor (or a {@code @JsonCreator}) whose non-transient fields are stored, like
 * Java serialization would store them, but as JSON. Values keep their type through a round trip:
 * a {@code Long} stays a {@code Long} even inside a {@code Map<String, Object>}.
 *
 * <p>No silent loss: a class JSON cannot carry faithfully (no creator, a field of a type such as
 * {@code java.util.Random}, {@code Thread}, an {@code InputStream} or a lambda) is refused by
 * {@code allow} with a message naming the field, or, for classes allowed by package, when first
 * stored. The first time a class is stored, the value is read back and written again, and refused
 * unless the bytes are the same. Such classes belong to {@link SerializableAttributeCodec}.
 *
 * <p>JDK collections come back as their mutable, order-keeping counterparts: any {@code List} as
 * {@code ArrayList}, any {@code Set} as {@code LinkedHashSet}, any {@code Map} as
 * {@code LinkedHashMap} (which is a {@code HashMap}, so old casts keep working), sorted ones as
 * {@code TreeSet}/{@code TreeMap}; a collection where its counterpart would not fit (an
 * {@code ArrayDeque} in a {@code Deque} field) is refused when stored.
 *
 * <p>Jackson {@linkplain Builder#addModule modules} and {@linkplain Builder#mixIn mixins} change how
 * a type is written; they never widen the allow-list: the types they handle must be allowed too.
 *
 * <p>Safety: the type of every value in stored bytes is looked up in the allow-list only; a type
 * name that is not on it is refused without loading the class (also for types that annotations
 * name by class). Nesting depth and value sizes are bounded. No Java serialization is involved.
 */
public final class JsonAttributeCodec implements AttributeCodec {

    private static final String TYPE_PROPERTY = "@t";
    /** Jackson's default limit for the digits of a number it reads. */
    private static final int MAX_NUMBER_LENGTH = 1000;

    private final TypeRegistry registry;
    private final JsonFactory factory;
    private final int maxStringLength;
    private final int maxNestingDepth;
    private final ObjectWriter writer;
    private final ObjectReader reader;
    /** Reads and writes plain trees (no typing), for {@link #merge}; within the same limits. */
    private final ObjectMapper trees;

    private JsonAttributeCodec(Builder builder) {
        JacksonRuntime.check();
        TypeAllowList patterns = builder.patterns.build(builder.loader != null ? builder.loader : TypeAllowList.defaultLoader());
        this.registry = new TypeRegistry(builder.ids, patterns);
        this.maxStringLength = builder.maxStringLength;
        this.maxNestingDepth = builder.maxNestingDepth;
        this.factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(builder.maxNestingDepth)
                        .maxStringLength(builder.maxStringLength)
                        .build())
                .build();
        JsonMapper.Builder mapperBuilder = JsonMapper.builder(factory)
                .addModule(new JavaTimeModule())
                .addModule(new SimpleModule("string-keys").addKeySerializer(Object.class, new StringKeysOnly()));
        // The application's modules and mixins come before the allow-list typing, so that a module
        // cannot replace it; types named by annotations (@JsonTypeInfo(use = CLASS)) are checked
        // against the allow-list too.
        builder.modules.forEach(mapperBuilder::addModule);
        builder.mixIns.forEach(mapperBuilder::addMixIn);
        ObjectMapper mapper = mapperBuilder
                .polymorphicTypeValidator(new AllowListValidator(registry))
                // Store what Java serialization would store: the fields, not the getters.
                .visibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE)
                .visibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY)
                .visibility(PropertyAccessor.CREATOR, JsonAutoDetect.Visibility.ANY)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                // java.time values as ISO-8601 text, not Jackson's decimal seconds: Jackson 2.19 writes a
                // negative Instant or Duration with nanoseconds as a different decimal than 2.21 and later
                // read it (-5s+1ns is "-5.000000001" there, read back as -6s+999999999ns), so nodes on two
                // Jackson versions would silently disagree on a stored value. ISO text reads alike on all.
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                // A field removed from a class must not make old sessions unreadable.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .setDefaultTyping(new AllowListTyping(registry))
                .build();
        this.writer = mapper.writerFor(Object.class);
        this.trees = new ObjectMapper(factory);
        // On the reader only: a module's deserializer that reads a tree through the mapper reads part
        // of the document, and must not be told the rest of it is trailing.
        this.reader = mapper.readerFor(Object.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.registry.attach(mapper, !builder.modules.isEmpty());
        for (Class<?> type : new LinkedHashSet<>(builder.ids.values())) {
            JsonTypeCheck.require("allow", type, registry);
        }
    }

    /**
     * Starts the configuration of a JSON codec; only the JDK's value types are allowed until more are.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first time a class is met (the value's, or one inside it), the value is also read
     * back and written again, and refused unless that gives the same bytes: a value JSON cannot
     * carry faithfully is refused when it is stored, never dropped when it is read.
     */
    @Override
    public byte[] encode(Object value) {
        Objects.requireNonNull(value, "value");
        Set<Class<?>> fresh = new HashSet<>();
        byte[] bytes = write(value, fresh);
        if (!registry.verified(value.getClass()) || !fresh.isEmpty()) {
            verifyRoundTrip(value, bytes);
            registry.markVerified(value.getClass());
            fresh.forEach(registry::markVerified);
        }
        return bytes;
    }

    private byte[] write(Object value, Set<Class<?>> fresh) {
        Set<Class<?>> outer = TypeRegistry.FRESH.get();
        TypeRegistry.FRESH.set(fresh);
        try {
            byte[] bytes = writer.writeValueAsBytes(value);
            checkReadable(bytes, value);
            return bytes;
        } catch (JsonProcessingException e) {
            AttributeCodecException refused = findCodecException(e);
            if (refused != null) {
                throw refused;
            }
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "a value of type " + value.getClass().getName() + " cannot be encoded as JSON: "
                            + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("reading back bytes in memory cannot fail", e);
        } finally {
            TypeRegistry.FRESH.set(outer);
        }
    }

    private void verifyRoundTrip(Object value, byte[] bytes) {
        byte[] again;
        try {
            again = write(decode(bytes), null);
        } catch (AttributeCodecException e) {
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "a value of type " + value.getClass().getName() + " cannot be read back from JSON: "
                            + e.getMessage() + JsonTypeCheck.advice(), e);
        }
        if (!Arrays.equals(bytes, again)) {
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "a value of type " + value.getClass().getName() + " does not read back the same from JSON (part of"
                            + " its state is not in its fields, or is recomputed when it is created)"
                            + JsonTypeCheck.advice(), null);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Accepted: the built-in JDK types, allowed classes, and interfaces or abstract types
     * ({@code Object}, {@code List}, {@code Number}) that an allowed or built-in type implements.
     */
    @Override
    public void requireEncodable(Class<?> type) {
        Objects.requireNonNull(type, "type");
        Class<?> declared = type.isPrimitive() ? java.lang.invoke.MethodType.methodType(type).wrap().returnType() : type;
        if (declared == void.class || declared == Void.class) {
            return; // only null, which every caller stores without the codec
        }
        if (declared == Object.class || declared.isInterface()
                || java.lang.reflect.Modifier.isAbstract(declared.getModifiers())) {
            if (TypeRegistry.anyBuiltInFits(declared) || registry.anyRegisteredFits(declared)) {
                return;
            }
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "no type the attribute codec allows is a " + declared.getName() + "; allow an implementation with "
                            + "JsonAttributeCodec.builder().allow(...)", null);
        }
        registry.idFor(declared); // throws, naming the type, when it is not allowed
    }

    @Override
    public Object decode(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        try {
            Object value = reader.readValue(bytes);
            if (value == null) {
                // encode never writes null: these bytes are not ours
                throw new AttributeCodecException(AttributeCodecException.Reason.UNDECODABLE,
                        "stored value cannot be decoded: it is null", null);
            }
            return value;
        } catch (AttributeCodecException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Never echo the stored bytes: they may hold personal data.
            throw new AttributeCodecException(AttributeCodecException.Reason.UNDECODABLE,
                    "stored value cannot be decoded: " + describe(e), e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A three-way merge of the JSON trees: a property of an object in {@code stored} that this
     * node's encoding of the loaded value lacks (a field of a newer class version) is added back to
     * the same object in {@code changed}, unless the object's type changed; a part this node did not
     * change comes back as it was stored; array elements this node kept are matched by equality, and
     * arrays of the same length element by element. Properties this node removed (a map entry, a
     * field it knows) stay removed. The result is read back with {@link #decode} before it is
     * returned; when it does not read back, or a tree cannot be parsed, {@code changed} is returned.
     */
    @Override
    public byte[] merge(byte[] stored, byte[] asLoaded, byte[] changed) {
        try {
            com.fasterxml.jackson.databind.JsonNode merged = JsonMerge.merge(trees.readTree(stored),
                    trees.readTree(asLoaded), trees.readTree(changed));
            byte[] bytes = trees.writeValueAsBytes(merged);
            if (Arrays.equals(bytes, changed)) {
                return changed;
            }
            decode(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            return changed;
        }
    }

    /**
     * Refuses, when storing, what {@link #decode} would refuse when loading (too deep, a string or a
     * number too long): otherwise the value would be stored and silently dropped on the next request.
     */
    private void checkReadable(byte[] bytes, Object value) throws IOException {
        // Fast path: a single scan for the nesting depth; only large values can hold a string or a
        // number over the limits, and only they get the full parse.
        if (bytes.length <= Math.min(maxStringLength, MAX_NUMBER_LENGTH)) {
            if (nestingDepth(bytes) > maxNestingDepth) {
                throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                        "a value of type " + value.getClass().getName() + " is nested deeper than "
                                + maxNestingDepth + " levels", null);
            }
            return;
        }
        try (JsonParser parser = factory.createParser(bytes)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.VALUE_STRING || token == JsonToken.FIELD_NAME) {
                    if (parser.getTextLength() > maxStringLength) {
                        throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                                "a value of type " + value.getClass().getName() + " holds a string longer than "
                                        + maxStringLength + " characters", null);
                    }
                } else if ((token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT)
                        && parser.getTextLength() > MAX_NUMBER_LENGTH) {
                    throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                            "a value of type " + value.getClass().getName() + " holds a number longer than "
                                    + MAX_NUMBER_LENGTH + " digits", null);
                }
            }
        } catch (StreamConstraintsException e) {
            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                    "a value of type " + value.getClass().getName() + " is too large or too deeply nested to be "
                            + "read back: " + e.getOriginalMessage(), e);
        }
    }

    /** The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count). */
    private static int nestingDepth(byte[] json) {
        int depth = 0;
        int max = 0;
        boolean inString = false;
        for (int i = 0; i < json.length; i++) {
            byte b = json[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '[' || b == '{') {
                max = Math.max(max, ++depth);
            } else if (b == ']' || b == '}') {
                depth--;
            }
        }
        return max;
    }

    private static String describe(Exception e) {
        if (e instanceof JsonProcessingException j) {
            String message = j.getOriginalMessage();
            return message.length() > 200 ? message.substring(0, 200) + "…" : message;
        }
        return e.getClass().getSimpleName();
    }

    private static AttributeCodecException findCodecException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AttributeCodecException codecException) {
                return codecException;
            }
        }
        return null;
    }

    /**
     * Map keys are stored as JSON field names and come back as strings: a key of another type would
     * not find its value after one request, and a string key with a lone surrogate could not be read
     * back. Both are refused when storing.
     */
    private static final class StringKeysOnly extends StdSerializer<Object> {
        private static final long serialVersionUID = 1L;

        StringKeysOnly() {
            super(Object.class);
        }

        @Override
        public void serialize(Object key, JsonGenerator gen, SerializerProvider provider) throws IOException {
            if (!(key instanceof String text)) {
                throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                        "map keys must be strings, not " + key.getClass().getName(), null);
            }
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isHighSurrogate(c) ? i + 1 == text.length() || !Character.isLowSurrogate(text.charAt(++i))
                        : Character.isLowSurrogate(c)) {
                    throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                            "a map key holds an unpaired surrogate character", null);
                }
            }
            gen.writeFieldName(text);
        }
    }

    /** Configures a {@link JsonAttributeCodec}. Not thread-safe; the codec it builds is. */
    public static final class Builder {

        private final Map<String, Class<?>> ids = new LinkedHashMap<>();
        private final TypeAllowList.Builder patterns = TypeAllowList.builder();
        private final List<Module> modules = new ArrayList<>();
        private final Map<Class<?>, Class<?>> mixIns = new LinkedHashMap<>();
        private ClassLoader loader;
        private int maxNestingDepth = 64;
        private int maxStringLength = 4 * 1024 * 1024;

        private Builder() {
        }

        /**
         * Allows values of these classes, identified in storage by their fully qualified name. Use
         * {@link #allow(String, Class)} when a class may be renamed or moved.
         *
         * @param types the classes to allow
         * @return this builder
         * @throws IllegalArgumentException naming the class and the reason when JSON cannot carry it
         *     faithfully; see {@link #allow(String, Class)}
         */
        public Builder allow(Class<?>... types) {
            for (Class<?> type : types) {
                allow(type.getName(), type);
            }
            return this;
        }

        /**
         * Allows values of {@code type}, identified in storage by {@code typeId}.
         *
         * <p>Refused, with a message naming the class, the field and the reason, is a class JSON
         * cannot carry without losing state: one without a usable creator (no no-argument
         * constructor, not a record, no {@code @JsonCreator}), an inner, local or anonymous class,
         * a subclass of a JDK class other than {@code Object}, or one with a non-transient field
         * whose declared type JSON cannot store (a {@code java.util.Random}, a {@code Thread}, an
         * {@code InputStream}, a functional interface, a JDK class the codec does not list, a map
         * with non-string keys). Such classes belong to {@link SerializableAttributeCodec}. A field
         * whose type is another application class needs that class allowed too, which
         * {@link #build()} checks. Register {@linkplain #mixIn mixins} and
         * {@linkplain #addModule modules} before the classes they make storable: the checks are
         * then left to them, and to the round trip made at first encode.
         *
         * @param typeId the short name stored instead of the class name
         * @param type the class
         * @return this builder
         * @throws IllegalArgumentException as said, or for an empty or reserved id
         */
        public Builder allow(String typeId, Class<?> type) {
            Objects.requireNonNull(typeId, "typeId");
            Objects.requireNonNull(type, "type");
            if (typeId.isEmpty()) {
                throw new IllegalArgumentException("allow: typeId must not be empty");
            }
            if (type.isInterface() || type.isPrimitive() || type.isArray()
                    || java.lang.reflect.Modifier.isAbstract(type.getModifiers()) && !type.isEnum()) {
                throw new IllegalArgumentException(
                        "allow: " + type.getName() + " must be a concrete class, record or enum");
            }
            if (TypeRegistry.BUILT_IN.containsKey(typeId)) {
                throw new IllegalArgumentException("allow: typeId '" + typeId + "' is reserved");
            }
            if (TypeAllowList.isDenied(type.getName())) {
                throw new IllegalArgumentException("allow: " + type.getName() + " is a known deserialization gadget");
            }
            if (modules.isEmpty()) {
                // Application classes in fields may be allowed later in the chain: build() checks those.
                JsonTypeCheck.require("allow", type, new JsonTypeCheck.Codec() {
                    @Override
                    public boolean allows(Class<?> other) {
                        return true;
                    }

                    @Override
                    public boolean customized(Class<?> other) {
                        return mixIns.containsKey(other);
                    }
                });
            }
            Class<?> previous = ids.putIfAbsent(typeId, type);
            if (previous != null && previous != type) {
                throw new IllegalArgumentException("allow: typeId '" + typeId + "' is already used by "
                        + previous.getName());
            }
            return this;
        }

        /**
         * Allows classes by name and package, resolved with the {@linkplain #classLoader class
         * loader} when first met: {@code com.example.Cart} (that class), {@code com.example.*}
         * (the classes of that package), {@code com.example.**} (the package and its
         * subpackages). They are identified in storage by their class name; a stored name that no
         * pattern covers is refused without loading the class. The same checks as
         * {@link #allow(String, Class)} run on each class when it is first encoded or decoded, and
         * a class that fails them is refused with {@link AttributeCodecException} naming it.
         *
         * @param patterns class names or {@code package.*} patterns
         * @return this builder
         * @throws IllegalArgumentException for a malformed pattern, one covering JDK packages
         *     wholesale ({@code java.**}) or a whole top-level domain ({@code com.**}), or a known gadget
         */
        public Builder allowTypes(String... patterns) {
            for (String pattern : patterns) {
                if (pattern != null && TypeRegistry.BUILT_IN.containsKey(pattern.trim())) {
                    throw new IllegalArgumentException("allowTypes: '" + pattern + "' is a reserved type id");
                }
                this.patterns.addPattern("allowTypes", pattern);
            }
            return this;
        }

        /**
         * The class loader that resolves the names given to {@link #allowTypes} (default: the
         * thread's context class loader at {@link #build()}); in a servlet container, the webapp's.
         *
         * @param loader the class loader
         * @return this builder
         */
        public Builder classLoader(ClassLoader loader) {
            this.loader = Objects.requireNonNull(loader, "classLoader");
            return this;
        }

        /**
         * Adds a Jackson module (serializers, deserializers, mixins for third-party types). The
         * types it handles must still be allowed ({@link #allow}, {@link #allowTypes}): a module
         * changes how a type is written, never which types stored bytes may name. A module cannot
         * replace the codec's allow-list typing, and types its annotations name by class
         * ({@code @JsonTypeInfo(use = CLASS)}) are checked against the same allow-list.
         *
         * @param module the Jackson module
         * @return this builder
         */
        public Builder addModule(Module module) {
            modules.add(Objects.requireNonNull(module, "module"));
            return this;
        }

        /**
         * Applies the Jackson annotations of {@code mixin} to {@code target} (a {@code @JsonCreator}
         * for a class without a no-argument constructor, {@code @JsonIgnore}...). The target must
         * still be allowed.
         *
         * @param target the class to annotate
         * @param mixin the class whose annotations apply to it
         * @return this builder
         */
        public Builder mixIn(Class<?> target, Class<?> mixin) {
            mixIns.put(Objects.requireNonNull(target, "target"), Objects.requireNonNull(mixin, "mixin"));
            return this;
        }

        /**
         * Deepest nesting of JSON arrays and objects a stored value may have (default 64).
         *
         * @param depth at least 1
         * @return this builder
         */
        public Builder maxNestingDepth(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("maxNestingDepth must be at least 1, was " + depth);
            }
            this.maxNestingDepth = depth;
            return this;
        }

        /**
         * Longest string a stored value may hold, in characters (default 4 Mi).
         *
         * @param length at least 1
         * @return this builder
         */
        public Builder maxStringLength(int length) {
            if (length < 1) {
                throw new IllegalArgumentException("maxStringLength must be at least 1, was " + length);
            }
            this.maxStringLength = length;
            return this;
        }

        /**
         * Builds the codec.
         *
         * @return a thread-safe codec
         * @throws IllegalArgumentException when an allowed class has a field of an application
         *     type that is not allowed, or (with modules) cannot be carried; the message names both
         * @throws IllegalStateException when the Jackson on the classpath is older than 2.19
         */
        public JsonAttributeCodec build() {
            return new JsonAttributeCodec(this);
        }
    }

    /**
     * The allow-list: short ids for JDK types, user-chosen ids for registered types, class names for
     * types allowed by name or package. Also remembers which classes passed the round-trip check.
     */
    static final class TypeRegistry implements JsonTypeCheck.Codec {

        static final Map<String, Class<?>> BUILT_IN = builtIns();
        /** Classes met for the first time while writing one value, on this thread. */
        static final ThreadLocal<Set<Class<?>>> FRESH = new ThreadLocal<>();

        private final Map<String, Class<?>> byId = new ConcurrentHashMap<>();
        private final Map<Class<?>, String> byClass = new ConcurrentHashMap<>();
        private final Set<Class<?>> registered;
        private final TypeAllowList patterns;
        private final Set<Class<?>> verified = ConcurrentHashMap.newKeySet();
        /** Pattern-allowed classes that passed or failed {@link JsonTypeCheck}: the problem, or "". */
        private final Map<Class<?>, String> checked = new ConcurrentHashMap<>();
        private ObjectMapper mapper;
        private boolean modules;

        TypeRegistry(Map<String, Class<?>> registered, TypeAllowList patterns) {
            this.patterns = patterns;
            this.registered = Set.copyOf(registered.values());
            BUILT_IN.forEach(this::put);
            registered.forEach(this::put);
            // Values of these classes are stored under the id of their decoded counterpart.
            byClass.put(HashMap.class, "M");
            byClass.put(java.util.HashSet.class, "S");
            verified.addAll(BUILT_IN.values());
            verified.add(HashMap.class);
            verified.add(java.util.HashSet.class);
        }

        void attach(ObjectMapper mapper, boolean modules) {
            this.mapper = mapper;
            this.modules = modules;
        }

        private void put(String id, Class<?> type) {
            byId.put(id, type);
            byClass.putIfAbsent(type, id);
        }

        private static Map<String, Class<?>> builtIns() {
            Map<String, Class<?>> m = new LinkedHashMap<>();
            m.put("Str", String.class);
            m.put("Z", Boolean.class);
            m.put("I", Integer.class);
            m.put("D", Double.class);
            m.put("J", Long.class);
            m.put("Sh", Short.class);
            m.put("By", Byte.class);
            m.put("F", Float.class);
            m.put("C", Character.class);
            m.put("BD", BigDecimal.class);
            m.put("BI", BigInteger.class);
            m.put("U", UUID.class);
            m.put("L", ArrayList.class);
            m.put("LL", LinkedList.class);
            m.put("S", LinkedHashSet.class);
            m.put("M", LinkedHashMap.class);
            m.put("TS", TreeSet.class);
            m.put("TM", TreeMap.class);
            m.put("CM", ConcurrentHashMap.class);
            m.put("[B", byte[].class);
            m.put("[I", int[].class);
            m.put("[J", long[].class);
            m.put("[D", double[].class);
            m.put("[Z", boolean[].class);
            m.put("[S", String[].class);
            m.put("[O", Object[].class);
            m.put("Date", Date.class);
            m.put("Instant", Instant.class);
            m.put("LocalDate", LocalDate.class);
            m.put("LocalDateTime", LocalDateTime.class);
            m.put("LocalTime", LocalTime.class);
            m.put("OffsetDateTime", OffsetDateTime.class);
            m.put("ZonedDateTime", ZonedDateTime.class);
            m.put("Duration", Duration.class);
            m.put("Period", Period.class);
            m.put("Year", Year.class);
            m.put("YearMonth", YearMonth.class);
            m.put("DayOfWeek", DayOfWeek.class);
            m.put("Month", Month.class);
            return Map.copyOf(m);
        }

        static boolean isBuiltIn(Class<?> type) {
            return BUILT_IN.containsValue(type) || type == HashMap.class || type == java.util.HashSet.class;
        }

        /** Whether a value of a built-in type can fill a place declared as {@code declared}. */
        static boolean anyBuiltInFits(Class<?> declared) {
            for (Class<?> type : BUILT_IN.values()) {
                if (declared.isAssignableFrom(type)) {
                    return true;
                }
            }
            return false;
        }

        boolean anyRegisteredFits(Class<?> declared) {
            return registered.stream().anyMatch(declared::isAssignableFrom);
        }

        boolean verified(Class<?> type) {
            return verified.contains(type);
        }

        void markVerified(Class<?> type) {
            verified.add(type);
        }

        @Override
        public boolean allows(Class<?> type) {
            return registered.contains(type) || patterns.permits(type);
        }

        @Override
        public boolean customized(Class<?> type) {
            if (mapper == null) {
                return false;
            }
            if (mapper.getSerializationConfig().findMixInClassFor(type) != null) {
                return true;
            }
            if (!modules) {
                return false;
            }
            try {
                DeserializationConfig config = mapper.getDeserializationConfig();
                JavaType javaType = config.constructType(type);
                BeanDescription description = config.introspect(javaType);
                if (mapper.getDeserializationContext().getFactory() instanceof BasicDeserializerFactory factory) {
                    for (Deserializers deserializers : factory.getFactoryConfig().deserializers()) {
                        if (deserializers.findBeanDeserializer(javaType, config, description) != null) {
                            return true;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
            return false;
        }

        /** The problem {@link JsonTypeCheck} finds with a pattern-allowed class, or null; checked once. */
        private String problemWith(Class<?> type) {
            String problem = checked.computeIfAbsent(type, t -> {
                String p = JsonTypeCheck.problem(t, this);
                return p == null ? "" : p;
            });
            return problem.isEmpty() ? null : problem;
        }

        String idFor(Class<?> type) {
            String id = byClass.get(type);
            if (id == null) {
                if (type.isEnum() || type.isAnonymousClass() && type.getSuperclass() != null && type.getSuperclass().isEnum()) {
                    id = byClass.get(type.isEnum() ? type : type.getSuperclass());
                }
                if (id == null && isJdk(type)) {
                    id = jdkCollectionId(type);
                }
                if (id == null) {
                    Class<?> named = type.isAnonymousClass() && type.getSuperclass() != null && type.getSuperclass().isEnum()
                            ? type.getSuperclass() : type;
                    if (patterns.permits(named)) {
                        String problem = problemWith(named);
                        if (problem != null) {
                            throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                                    "type " + named.getName() + " cannot be stored as JSON without losing state: " + problem
                                            + JsonTypeCheck.adviceFor(problem), null);
                        }
                        id = named.getName();
                        byId.putIfAbsent(id, named);
                    }
                }
                if (id == null) {
                    throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                            "type " + type.getName() + " is not allowed by the attribute codec; register it with "
                                    + "JsonAttributeCodec.builder().allow(" + type.getSimpleName() + ".class) or "
                                    + "allowTypes(\"" + type.getName() + "\") (init parameter codec-types)", null);
                }
                byClass.putIfAbsent(type, id);
            }
            Set<Class<?>> fresh = FRESH.get();
            if (fresh != null && !verified.contains(type)) {
                fresh.add(type);
            }
            return id;
        }

        private static boolean isJdk(Class<?> type) {
            return type.getName().startsWith("java.util.");
        }

        private static String jdkCollectionId(Class<?> type) {
            if (SortedMap.class.isAssignableFrom(type)) return "TM";
            if (Map.class.isAssignableFrom(type)) return "M";
            if (SortedSet.class.isAssignableFrom(type)) return "TS";
            if (Set.class.isAssignableFrom(type)) return "S";
            if (Collection.class.isAssignableFrom(type)) return "L";
            return null;
        }

        /** The class for a stored type id; null when the id is not on the list (nothing is loaded). */
        Class<?> typeFor(String id) {
            Class<?> type = byId.get(id);
            if (type != null || !patterns.permits(id)) {
                return type;
            }
            type = patterns.resolve(id).orElse(null);
            if (type == null || type.isInterface() || type.isPrimitive() || type.isArray()
                    || java.lang.reflect.Modifier.isAbstract(type.getModifiers()) && !type.isEnum()) {
                return null;
            }
            if (problemWith(type) != null) {
                return null;
            }
            byId.putIfAbsent(id, type);
            return type;
        }

        /** Whether annotation-driven typing ({@code @JsonTypeInfo(use = CLASS)}) may name this class. */
        boolean allowsName(String className) {
            if (TypeAllowList.isDenied(className)) {
                return false;
            }
            if (patterns.permits(className)) {
                return true;
            }
            for (Class<?> type : byClass.keySet()) {
                if (type.getName().equals(className)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Decides which declared types carry a type id: those that do not say what they hold. */
    private static final class AllowListTyping extends ObjectMapper.DefaultTypeResolverBuilder {
        private static final long serialVersionUID = 1L;
        private final transient TypeRegistry registry;

        AllowListTyping(TypeRegistry registry) {
            super(ObjectMapper.DefaultTyping.NON_FINAL, LaissezFaireSubTypeValidator.instance);
            this.registry = registry;
            init(JsonTypeInfo.Id.CUSTOM, null);
            inclusion(JsonTypeInfo.As.PROPERTY);
            typeProperty(TYPE_PROPERTY);
        }

        @Override
        public boolean useForType(JavaType t) {
            if (t.isPrimitive()) {
                return false;
            }
            while (t.isArrayType()) {
                t = t.getContentType();
            }
            while (t.isReferenceType()) {
                t = t.getReferencedType();
            }
            return t.isJavaLangObject()
                    || (!t.isFinal() && !TreeNode.class.isAssignableFrom(t.getRawClass()));
        }

        @Override
        protected TypeIdResolver idResolver(MapperConfig<?> config, JavaType baseType,
                PolymorphicTypeValidator subtypeValidator, Collection<NamedType> subtypes,
                boolean forSer, boolean forDeser) {
            return new AllowListIdResolver(registry, baseType);
        }
    }

    /** Applies the allow-list to types that annotations name by class ({@code @JsonTypeInfo(use = CLASS)}). */
    private static final class AllowListValidator extends PolymorphicTypeValidator.Base {
        private static final long serialVersionUID = 1L;
        private final transient TypeRegistry registry;

        AllowListValidator(TypeRegistry registry) {
            this.registry = registry;
        }

        @Override
        public Validity validateSubClassName(MapperConfig<?> config, JavaType baseType, String subClassName) {
            return registry.allowsName(subClassName) ? Validity.ALLOWED : Validity.DENIED;
        }

        @Override
        public Validity validateSubType(MapperConfig<?> config, JavaType baseType, JavaType subType) {
            return registry.allowsName(subType.getRawClass().getName()) ? Validity.ALLOWED : Validity.DENIED;
        }
    }

    private static final class AllowListIdResolver extends TypeIdResolverBase {
        private final TypeRegistry registry;

        AllowListIdResolver(TypeRegistry registry, JavaType baseType) {
            super(baseType, null);
            this.registry = registry;
        }

        @Override
        public String idFromValue(Object value) {
            return fitting(value.getClass());
        }

        @Override
        public String idFromValueAndType(Object value, Class<?> suggestedType) {
            return fitting(value != null ? value.getClass() : suggestedType);
        }

        /**
         * The id for a value's class, refused when the class it decodes to would not fit where the
         * value is declared (an {@code ArrayDeque} in a {@code Deque} field comes back as an
         * {@code ArrayList}, which cannot be set there).
         */
        private String fitting(Class<?> type) {
            String id = registry.idFor(type);
            Class<?> decoded = registry.typeFor(id);
            if (decoded != null && !_baseType.getRawClass().isAssignableFrom(decoded)) {
                throw new AttributeCodecException(AttributeCodecException.Reason.UNSUPPORTED_TYPE,
                        "a " + type.getName() + " where " + _baseType.getRawClass().getName() + " is declared would be "
                                + "read back as a " + decoded.getName() + ", which does not fit there", null);
            }
            return id;
        }

        @Override
        public JavaType typeFromId(DatabindContext context, String id) throws IOException {
            Class<?> type = registry.typeFor(id);
            if (type == null) {
                throw InvalidTypeIdException.from(null, "type id '" + abbreviate(id) + "' is not on the allow-list", _baseType, id);
            }
            if (!_baseType.getRawClass().isAssignableFrom(type)) {
                throw InvalidTypeIdException.from(null, "type id '" + id + "' does not fit " + _baseType, _baseType, id);
            }
            return context.getTypeFactory().constructSpecializedType(_baseType, type);
        }

        private static String abbreviate(String id) {
            return id.length() > 80 ? id.substring(0, 80) + "…" : id;
        }

        @Override
        public JsonTypeInfo.Id getMechanism() {
            return JsonTypeInfo.Id.CUSTOM;
        }
    }
}
