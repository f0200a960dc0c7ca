package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.session.AttributeCodecException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SerializableAttributeCodecTest {

    /** A legacy bean: private state, a Random, no no-argument constructor, no setters. */
    public static final class DiceGame implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String player;
        private final Random dice;
        private final List<Integer> throwsSoFar = new ArrayList<>();

        public DiceGame(String player, long seed) {
            this.player = player;
            this.dice = new Random(seed);
        }

        public int roll() {
            int value = dice.nextInt(6) + 1;
            throwsSoFar.add(value);
            return value;
        }

        public String player() {
            return player;
        }

        public List<Integer> throwsSoFar() {
            return throwsSoFar;
        }
    }

    public enum Colour { RED, GREEN }

    public static final class Holder implements Serializable {
        private static final long serialVersionUID = 1L;
        final Object content;

        Holder(Object content) {
            this.content = content;
        }
    }

    /** Not Serializable. */
    public static final class Connection {
    }

    /** Serializable but not on the list; records when it is instantiated by deserialization. */
    public static final class Gadget implements Serializable {
        private static final long serialVersionUID = 1L;
        static final AtomicBoolean READ = new AtomicBoolean();
        String command = "rm -rf /";

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            READ.set(true);
            in.defaultReadObject();
        }
    }

    public static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;
        final Node next;

        Node(Node next) {
            this.next = next;
        }

        static Node chain(int length) {
            Node node = null;
            for (int i = 0; i < length; i++) {
                node = new Node(node);
            }
            return node;
        }
    }

    private final SerializableAttributeCodec codec = SerializableAttributeCodec.builder()
            .allow(DiceGame.class, Colour.class, Holder.class, Node.class)
            .build();

    private Object roundTrip(Object value) {
        return codec.decode(codec.encode(value));
    }

    @Test
    void aBeanWithPrivateStateAndARandomRoundTripsWithItsRandomStateIntact() {
        DiceGame game = new DiceGame("ada", 42);
        game.roll();
        game.roll();
        DiceGame back = (DiceGame) roundTrip(game);
        assertThat(back.player()).isEqualTo("ada");
        assertThat(back.throwsSoFar()).isEqualTo(game.throwsSoFar());
        for (int i = 0; i < 20; i++) {
            assertThat(back.roll()).as("roll %d", i).isEqualTo(game.roll());
        }
    }

    @Test
    void jdkValuesCollectionsAndWrappersRoundTrip() {
        Map<String, Object> map = new HashMap<>();
        map.put("long", 3L);
        map.put("decimal", new BigDecimal("1.50"));
        map.put("when", Instant.parse("2026-12-01T10:00:00Z"));
        map.put("day", LocalDate.of(2026, 12, 1));
        map.put("zoned", ZonedDateTime.of(2026, 12, 1, 10, 0, 0, 0, ZoneId.of("Europe/Paris")));
        map.put("id", UUID.randomUUID());
        map.put("date", new Date(1_000));
        map.put("immutable", List.of("a", "b"));
        map.put("immutableMap", Map.of("k", 1));
        map.put("unmodifiable", Collections.unmodifiableList(new ArrayList<>(List.of(1, 2))));
        map.put("unmodifiableSet", Collections.unmodifiableSet(Set.of("x")));
        map.put("empty", Collections.emptyList());
        map.put("singleton", Collections.singletonMap("a", "b"));
        map.put("asList", Arrays.asList(1, 2));
        map.put("sorted", new TreeMap<>(Map.of("b", 2, "a", 1)));
        map.put("reversed", new TreeMap<>(Collections.reverseOrder()));
        map.put("concurrent", new ConcurrentHashMap<>(Map.of("c", 1)));
        map.put("enums", EnumSet.of(Colour.RED));
        map.put("atomic", new AtomicLong(7));
        map.put("ints", new int[] {1, 2});
        map.put("strings", new String[] {"s"});
        map.put("linked", new LinkedHashMap<>(Map.of("l", 1)));
        @SuppressWarnings("unchecked")
        Map<String, Object> back = (Map<String, Object>) roundTrip(map);
        assertThat(back).hasSameSizeAs(map);
        map.forEach((key, value) -> {
            if (value instanceof int[] || value instanceof String[] || value instanceof AtomicLong) {
                return;
            }
            assertThat(back.get(key)).as(key).isEqualTo(value);
        });
        assertThat(back.get("ints")).isEqualTo(new int[] {1, 2});
        assertThat(((AtomicLong) back.get("atomic")).get()).isEqualTo(7);
    }

    @Test
    void aValueThatIsNotSerializableIsRefusedNamingItsType() {
        assertThatThrownBy(() -> codec.encode(new Connection()))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(Connection.class.getName())
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void aNonSerializableObjectInsideAValueIsRefusedNamingItsTypeAndFieldPath() {
        Map<String, Object> inner = new HashMap<>();
        inner.put("db", new Connection());
        assertThatThrownBy(() -> codec.encode(new Holder(List.of(new Holder(inner)))))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(Connection.class.getName())
                .hasMessageContaining("Holder.content[0].content[\"db\"]")
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void aSerializableValueOffTheListIsRefusedWhenEncodingSoItIsNeverStoredUnreadable() {
        assertThatThrownBy(() -> codec.encode(new Holder(new Gadget())))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(Gadget.class.getName())
                .hasMessageContaining("Holder.content")
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void aGadgetClassInStoredBytesIsRefusedBeforeItIsInstantiated() {
        byte[] hostile = plainlySerialized(new Holder(new Gadget()));
        Gadget.READ.set(false);
        assertThatThrownBy(() -> codec.decode(hostile))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining("type " + Gadget.class.getName() + " is not allowed")
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNDECODABLE);
        assertThat(Gadget.READ).isFalse();
    }

    @Test
    void aWellKnownGadgetNameIsRefusedWithoutLoadingAnything() {
        String gadget = "org.apache.commons.collections.functors.InvokerTransformer";
        byte[] hostile = renameClass(plainlySerialized(new Gadget()), Gadget.class.getName(), gadget);
        RecordingLoader loader = new RecordingLoader();
        SerializableAttributeCodec permissive = SerializableAttributeCodec.builder()
                .allowTypes("org.apache.**").classLoader(loader).build();
        assertThatThrownBy(() -> permissive.decode(hostile))
                .isInstanceOf(AttributeCodecException.class)
                .hasMessageContaining(gadget)
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNDECODABLE);
        assertThat(loader.requested).doesNotContain(gadget);
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().allowTypes(gadget))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gadget");
    }

    @Test
    void aNameOffTheListIsNeverAskedOfTheClassLoader() {
        RecordingLoader loader = new RecordingLoader();
        SerializableAttributeCodec strict = SerializableAttributeCodec.builder().allowTypes("com.example.**")
                .classLoader(loader).build();
        byte[] hostile = plainlySerialized(new Gadget());
        assertThatThrownBy(() -> strict.decode(hostile)).isInstanceOf(AttributeCodecException.class);
        assertThat(loader.requested).doesNotContain(Gadget.class.getName());
    }

    @Test
    void dynamicProxiesAreNeverDecoded() {
        Object proxy = Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Serializable.class, Runnable.class},
                (SerializableHandler) (p, m, a) -> null);
        byte[] hostile = plainlySerialized(proxy);
        assertThatThrownBy(() -> codec.decode(hostile))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining("prox");
        assertThatThrownBy(() -> codec.encode(proxy))
                .isInstanceOf(AttributeCodecException.class)
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
    }

    interface SerializableHandler extends java.lang.reflect.InvocationHandler, Serializable {}

    @Test
    void serializedLambdasAreRefused() {
        Runnable lambda = (Runnable & Serializable) () -> { };
        assertThatThrownBy(() -> codec.encode(new Holder(lambda)))
                .isInstanceOf(AttributeCodecException.class)
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
    }

    @Test
    void limitsAreEnforcedWhenDecodingAndAlreadyWhenEncoding() {
        SerializableAttributeCodec strict = SerializableAttributeCodec.builder().allow(Node.class, Holder.class)
                .maxDepth(20).maxRefs(500).maxArrayLength(100).maxBytes(10_000).build();

        assertThat(strict.decode(strict.encode(Node.chain(10)))).isInstanceOf(Node.class);
        assertLimit(strict, Node.chain(50), "maxDepth");
        List<List<String>> many = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            many.add(List.of("a" + i, "b" + i, "c" + i, "d" + i, "e" + i));
        }
        assertLimit(strict, new Holder(many), "maxRefs");
        assertLimit(strict, new byte[101], "maxArrayLength");
        assertLimit(strict, new Holder(new ArrayList<>(Collections.nCopies(200, 1))), "maxArrayLength");
        assertLimit(strict, new Holder(new String(new char[20_000]).replace('\0', 'x')), "maxBytes");
    }

    private void assertLimit(SerializableAttributeCodec strict, Object value, String limit) {
        assertThatThrownBy(() -> strict.encode(value))
                .as(limit).isInstanceOf(AttributeCodecException.class).hasMessageContaining(limit)
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNSUPPORTED_TYPE);
        assertThatThrownBy(() -> strict.decode(codec.encode(value)))
                .as(limit).isInstanceOf(AttributeCodecException.class).hasMessageContaining(limit)
                .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNDECODABLE);
    }

    @Test
    void anArrayClaimingMoreElementsThanTheBytesHoldIsRefusedWithoutAllocatingIt() {
        byte[] small = codec.encode(new long[] {1, 2, 3});
        // the array's length is the 4 bytes before its 24 bytes of elements
        int at = small.length - 24 - 4;
        assertThat(Arrays.copyOfRange(small, at, at + 4)).isEqualTo(new byte[] {0, 0, 0, 3});
        small[at] = 0x00;
        small[at + 1] = 0x0f;
        SerializableAttributeCodec lenient = SerializableAttributeCodec.builder().maxArrayLength(Integer.MAX_VALUE).build();
        assertThatThrownBy(() -> lenient.decode(small))
                .isInstanceOf(AttributeCodecException.class).hasMessageContaining("claim more elements");
    }

    @Test
    void corruptBytesAreATypedError() {
        for (byte[] bad : List.of(new byte[0], new byte[] {1, 2, 3}, "not java".getBytes(StandardCharsets.UTF_8),
                Arrays.copyOf(codec.encode(new DiceGame("a", 1)), 40))) {
            assertThatThrownBy(() -> codec.decode(bad)).isInstanceOf(AttributeCodecException.class)
                    .extracting(e -> ((AttributeCodecException) e).reason()).isEqualTo(Reason.UNDECODABLE);
        }
        byte[] good = codec.encode("x");
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> codec.decode(trailing)).isInstanceOf(AttributeCodecException.class);
    }

    @Test
    void typesAllowedByPackageAreResolvedWithTheWebappsClassLoader(@TempDir Path dir) throws Exception {
        try (URLClassLoader webapp = JsonTypesTest.compile(dir, "com.example.legacy.Account", """
                package com.example.legacy;
                public class Account implements java.io.Serializable {
                    private final java.util.Random random;
                    public Account(long seed) { random = new java.util.Random(seed); }
                    public int next() { return random.nextInt(); }
                }
                """)) {
            Class<?> accountClass = webapp.loadClass("com.example.legacy.Account");
            Object account = accountClass.getConstructor(long.class).newInstance(5L);
            accountClass.getMethod("next").invoke(account);
            SerializableAttributeCodec codec = SerializableAttributeCodec.builder().allowTypes("com.example.legacy.*")
                    .classLoader(webapp).build();

            Object back = codec.decode(codec.encode(account));

            assertThat(back.getClass()).isSameAs(accountClass);
            assertThat(accountClass.getMethod("next").invoke(back)).isEqualTo(accountClass.getMethod("next").invoke(account));
            SerializableAttributeCodec blind = SerializableAttributeCodec.builder().allowTypes("com.example.legacy.*").build();
            assertThatThrownBy(() -> blind.decode(codec.encode(account)))
                    .isInstanceOf(AttributeCodecException.class)
                    .hasMessageContaining("com.example.legacy.Account")
                    .hasMessageContaining("class loader");
            assertThatThrownBy(() -> blind.encode(account))
                    .isInstanceOf(AttributeCodecException.class)
                    .hasMessageContaining("com.example.legacy.Account");
        }
    }

    @Test
    void builderValidatesEagerly() {
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().allow(Connection.class))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not Serializable");
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().allowTypes("java.**"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.**");
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().allowTypes("com.**"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("com.**");
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().allowTypes("com.example.*.x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("com.example.*.x");
        assertThatThrownBy(() -> SerializableAttributeCodec.builder().maxDepth(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDepth");
    }

    static byte[] plainlySerialized(Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    /** Replaces a class name in a serialized stream (names are written as 2-byte length and UTF-8). */
    static byte[] renameClass(byte[] stream, String from, String to) {
        byte[] old = utf(from);
        byte[] replacement = utf(to);
        for (int i = 0; i <= stream.length - old.length; i++) {
            if (Arrays.equals(Arrays.copyOfRange(stream, i, i + old.length), old)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(stream, 0, i);
                out.write(replacement, 0, replacement.length);
                out.write(stream, i + old.length, stream.length - i - old.length);
                return out.toByteArray();
            }
        }
        throw new AssertionError(from + " not in stream");
    }

    private static byte[] utf(String name) {
        byte[] text = name.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[text.length + 2];
        out[0] = (byte) (text.length >> 8);
        out[1] = (byte) text.length;
        System.arraycopy(text, 0, out, 2, text.length);
        return out;
    }

    /** Remembers every class name it is asked for. */
    static final class RecordingLoader extends ClassLoader {
        final List<String> requested = Collections.synchronizedList(new ArrayList<>());

        RecordingLoader() {
            super(SerializableAttributeCodecTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            requested.add(name);
            return super.loadClass(name, resolve);
        }
    }
}
