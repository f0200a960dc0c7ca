package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import dev.stateless.core.session.AttributeCodecException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.Deque;
import java.util.LinkedList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What JSON carries faithfully, what it refuses and says so, and types allowed by name and package. */
class JsonTypesTest {

    public static final class Plain {
        String name = "plain";
        int count;
    }

    /** A legacy bean JSON cannot carry: private state in a Random, no no-argument constructor. */
    public static final class DiceBean implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Random random;

        public DiceBean(long seed) {
            this.random = new Random(seed);
        }
    }

    public static final class WithRandom {
        private Random random = new Random();
    }

    public static final class WithThread {
        Thread worker;
    }

    public static final class WithStream {
        InputStream in;
    }

    public static final class WithLambda {
        Supplier<String> later;
    }

    public static final class WithTransientRandom {
        transient Random random = new Random();
        String kept = "k";
    }

    public static final class WithPlain {
        Plain plain = new Plain();
    }

    public static final class Queue {
        Deque<String> waiting = new LinkedList<>();
    }

    public static final class Stamped {
        Date when = new Date(1_000);
    }

    /** Its creator does not give back what was written: a round trip changes it. */
    public record Counter(int n) {
        public Counter {
            n = n + 1;
        }
    }

    /** No no-argument constructor: needs a module or a mixin. */
    public static final class Money {
        private final long cents;

        public Money(long cents) {
            this.cents = cents;
        }

        long cents() {
            return cents;
        }
    }

    abstract static class MoneyMixin {
        @JsonCreator
        MoneyMixin(@JsonProperty("cents") long cents) {
        }
    }

    public static final class Envelope {
        @JsonTypeInfo(use = JsonTypeInfo.Id.CLASS)
        Object payload;
    }

    public static final class Gadget {
        static final AtomicInteger CREATED = new AtomicInteger();

        Gadget() {
            CREATED.incrementAndGet();
        }
    }

    private static Reason reason(Throwable e) {
        return ((AttributeCodecException) e).reason();
    }

    @Test
    void allowRefusesAClassWithoutACreatorAndPointsToTheSerializableCodec() {
        assertThatThrownBy(() -> JsonAttributeCodec.builder().allow(DiceBean.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(DiceBean.class.getName())
                .hasMessageContaining("no usable creator")
                .hasMessageContaining("field 'random'")
                .hasMessageContaining("java.util.Random")
                .hasMessageContaining("use SerializableAttributeCodec");
    }

    @Test
    void allowRefusesFieldsWhoseTypeJsonCannotStoreNamingTheField() {
        for (Class<?> type : List.of(WithRandom.class, WithThread.class, WithStream.class, WithLambda.class)) {
            assertThatThrownBy(() -> JsonAttributeCodec.builder().allow(type))
                    .as(type.getSimpleName())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(type.getName())
                    .hasMessageContaining("field '")
                    .hasMessageContaining("use SerializableAttributeCodec");
        }
        assertThatThrownBy(() -> JsonAttributeCodec.builder().allow(WithRandom.class))
                .hasMessageContaining("'random'").hasMessageContaining("java.util.Random");
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(WithTransientRandom.class).build();
        assertThat(((WithTransientRandom) codec.decode(codec.encode(new WithTransientRandom()))).kept).isEqualTo("k");
    }

    @Test
    void aFieldOfAnApplicationTypeNeedsThatTypeAllowedToo() {
        assertThatThrownBy(() -> JsonAttributeCodec.builder().allow(WithPlain.class).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(WithPlain.class.getName())
                .hasMessageContaining("'plain'")
                .hasMessageContaining(Plain.class.getName() + " is not on the allow-list");
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(WithPlain.class, Plain.class).build();
        assertThat(((WithPlain) codec.decode(codec.encode(new WithPlain()))).plain.name).isEqualTo("plain");
    }

    @Test
    void aValueThatDoesNotReadBackTheSameIsRefusedWhenStoredNotDroppedWhenRead() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(Counter.class).build();
        assertThatThrownBy(() -> codec.encode(new Counter(1)))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(Counter.class.getName())
                .hasMessageContaining("does not read back the same")
                .extracting(JsonTypesTest::reason).isEqualTo(Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void aCollectionThatWouldComeBackAsAnotherClassIsRefusedWhereItWouldNotFit() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(Queue.class).build();
        Queue queue = new Queue();
        queue.waiting.add("a");
        assertThat(((Queue) codec.decode(codec.encode(queue))).waiting).containsExactly("a");
        queue.waiting = new ArrayDeque<>(List.of("b"));
        assertThatThrownBy(() -> codec.encode(queue))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining("java.util.ArrayDeque")
                .hasMessageContaining("java.util.Deque");
    }

    @Test
    void datesRoundTrip() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(Stamped.class).build();
        assertThat(((Stamped) codec.decode(codec.encode(new Stamped()))).when).isEqualTo(new Date(1_000));
        assertThat(codec.decode(codec.encode(new Date(5)))).isEqualTo(new Date(5));
    }

    @Test
    void aMixinMakesAClassWithoutANoArgumentConstructorStorable() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder().mixIn(Money.class, MoneyMixin.class).allow(Money.class)
                .build();
        assertThat(((Money) codec.decode(codec.encode(new Money(250)))).cents()).isEqualTo(250);
    }

    @Test
    void aModuleMakesAClassStorableButTheClassMustStillBeAllowed() {
        SimpleModule money = new SimpleModule("money")
                .addSerializer(Money.class, new StdScalarSerializer<>(Money.class) {
                    @Override
                    public void serialize(Money value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                        gen.writeNumber(value.cents());
                    }
                })
                .addDeserializer(Money.class, new StdScalarDeserializer<>(Money.class) {
                    @Override
                    public Money deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                        return new Money(p.getLongValue());
                    }
                });
        JsonAttributeCodec withModule = JsonAttributeCodec.builder().addModule(money).allow(Money.class).build();
        assertThat(((Money) withModule.decode(withModule.encode(new Money(99)))).cents()).isEqualTo(99);

        JsonAttributeCodec notAllowed = JsonAttributeCodec.builder().addModule(money).build();
        assertThatThrownBy(() -> notAllowed.encode(new Money(1)))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining(Money.class.getName());
    }

    @Test
    void typesNamedByClassInAnnotationsAreHeldToTheAllowListToo() {
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(Envelope.class).build();
        Envelope envelope = new Envelope();
        envelope.payload = "text";
        assertThat(((Envelope) codec.decode(codec.encode(envelope))).payload).isEqualTo("text");
        String hostile = "{\"@t\":\"" + Envelope.class.getName() + "\",\"payload\":{\"@class\":\""
                + Gadget.class.getName() + "\"}}";
        assertThatThrownBy(() -> codec.decode(hostile.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AttributeCodecException.class)
                .extracting(JsonTypesTest::reason).isEqualTo(Reason.UNDECODABLE);
        assertThat(Gadget.CREATED).hasValue(0);
    }

    @Test
    void patternsCoverAPackageOrAPackageTree() {
        TypeAllowList.Builder builder = TypeAllowList.builder();
        builder.addPattern("t", "com.example.*");
        builder.addPattern("t", "org.shop.**");
        builder.addPattern("t", "net.one.Thing");
        TypeAllowList list = builder.build(getClass().getClassLoader());
        assertThat(list.permits("com.example.Cart")).isTrue();
        assertThat(list.permits("com.example.Cart$Line")).isTrue();
        assertThat(list.permits("com.example.sub.Cart")).isFalse();
        assertThat(list.permits("com.examples.Cart")).isFalse();
        assertThat(list.permits("org.shop.Cart")).isTrue();
        assertThat(list.permits("org.shop.a.b.Cart")).isTrue();
        assertThat(list.permits("org.shopping.Cart")).isFalse();
        assertThat(list.permits("net.one.Thing")).isTrue();
        assertThat(list.permits("net.one.Other")).isFalse();
    }

    @Test
    void typesAllowedByPackageAreLoadedByTheGivenClassLoaderAndStoredByName(@TempDir Path dir) throws Exception {
        try (URLClassLoader webapp = compile(dir, "com.example.shop.Basket", """
                package com.example.shop;
                public class Basket {
                    private java.util.List<String> items = new java.util.ArrayList<>();
                    private int version;
                    public void add(String item) { items.add(item); version++; }
                    public java.util.List<String> items() { return items; }
                    public int version() { return version; }
                }
                """, "com.example.shop.Lottery", """
                package com.example.shop;
                public class Lottery {
                    private java.util.Random random = new java.util.Random(1);
                }
                """)) {
            Class<?> basketClass = webapp.loadClass("com.example.shop.Basket");
            Object basket = basketClass.getConstructor().newInstance();
            basketClass.getMethod("add", String.class).invoke(basket, "apple");
            JsonAttributeCodec codec = JsonAttributeCodec.builder().allowTypes("com.example.**").classLoader(webapp).build();

            byte[] bytes = codec.encode(basket);
            assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"com.example.shop.Basket\"");
            Object back = codec.decode(bytes);
            assertThat(back.getClass()).isSameAs(basketClass);
            assertThat(basketClass.getMethod("items").invoke(back)).isEqualTo(List.of("apple"));
            assertThat(basketClass.getMethod("version").invoke(back)).isEqualTo(1);

            // A class of the package that JSON cannot carry fails when stored, naming class and field.
            Object lottery = webapp.loadClass("com.example.shop.Lottery").getConstructor().newInstance();
            assertThatThrownBy(() -> codec.encode(lottery))
                    .isInstanceOf(AttributeCodecException.class)
                    .hasMessageContaining("com.example.shop.Lottery")
                    .hasMessageContaining("'random'")
                    .extracting(JsonTypesTest::reason).isEqualTo(Reason.UNSUPPORTED_TYPE);
            // ... and when stored bytes name it.
            assertThatThrownBy(() -> codec.decode("{\"@t\":\"com.example.shop.Lottery\"}".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(AttributeCodecException.class)
                    .extracting(JsonTypesTest::reason).isEqualTo(Reason.UNDECODABLE);
            // The same class from another loader is not the one the codec allows.
            JsonAttributeCodec elsewhere = JsonAttributeCodec.builder().allowTypes("com.example.**").build();
            assertThatThrownBy(() -> elsewhere.encode(basket)).isInstanceOf(AttributeCodecException.class)
                    .hasMessageContaining("com.example.shop.Basket");
        }
    }

    @Test
    void aStoredTypeNameOffTheListIsRefusedWithoutLoadingTheClass() {
        SerializableAttributeCodecTest.RecordingLoader loader = new SerializableAttributeCodecTest.RecordingLoader();
        JsonAttributeCodec codec = JsonAttributeCodec.builder().allowTypes("com.example.**").classLoader(loader).build();
        for (String name : List.of(Gadget.class.getName(), "com.sun.rowset.JdbcRowSetImpl", "com.examples.Cart")) {
            String json = "{\"@t\":\"" + name + "\"}";
            assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(AttributeCodecException.class)
                    .extracting(JsonTypesTest::reason).isEqualTo(Reason.UNDECODABLE);
        }
        assertThat(loader.requested).isEmpty();
        assertThat(Gadget.CREATED).hasValue(0);
    }

    /** Compiles sources (pairs of class name and text) into {@code dir} and returns a loader over it. */
    static URLClassLoader compile(Path dir, String... namesAndSources) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<String> arguments = new java.util.ArrayList<>(List.of("-d", dir.toString(), "--release", "17"));
        for (int i = 0; i < namesAndSources.length; i += 2) {
            Path source = dir.resolve("src").resolve(namesAndSources[i].replace('.', '/') + ".java");
            Files.createDirectories(source.getParent());
            Files.writeString(source, namesAndSources[i + 1]);
            arguments.add(source.toString());
        }
        int status = compiler.run(null, null, null, arguments.toArray(String[]::new));
        assertThat(status).as("javac").isZero();
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, JsonTypesTest.class.getClassLoader());
    }
}
