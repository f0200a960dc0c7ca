package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stored bytes that are not ours, fed to {@link JsonAttributeCodec#decode}: gadget type names,
 * unregistered classes of our own, types that do not fit the declared field, truncated and oversized
 * values, and JSON that decodes to nothing. Each is refused with {@link AttributeCodecException}
 * ({@code UNDECODABLE}); no class off the allow-list is ever initialized or constructed.
 */
class JsonCodecCorruptDataTest {

    /** Counts what must never happen to {@link Gadget}. */
    static final AtomicInteger GADGET_INITIALIZED = new AtomicInteger();
    static final AtomicInteger GADGET_CONSTRUCTED = new AtomicInteger();

    /**
     * Stands in for a deserialization gadget on the class path: NOT registered with the codec. Its
     * static initializer and constructors record that they ran. The test only names it through
     * {@link Class#getName()} on the class literal, which does not initialize it.
     */
    static final class Gadget {
        static {
            GADGET_INITIALIZED.incrementAndGet();
        }

        String command = "never";

        Gadget() {
            GADGET_CONSTRUCTED.incrementAndGet();
        }

        Gadget(String command) {
            GADGET_CONSTRUCTED.incrementAndGet();
            this.command = command;
        }
    }

    /** A registered type, whose untyped and collection fields are ways in for a nested type id. */
    record Holder(Object payload, List<Object> items, Map<String, Object> extra) {
    }

    private static final String GADGET = Gadget.class.getName();
    private static final String HOLDER = Holder.class.getName();

    private final JsonAttributeCodec codec = JsonAttributeCodec.builder().allow(Holder.class).build();

    @BeforeEach
    void gadgetNeverRanBefore() {
        assertThat(GADGET_INITIALIZED).hasValue(0);
    }

    static List<Named<String>> hostile() {
        return List.of(
                Named.of("JdbcRowSetImpl, array form", "[\"com.sun.rowset.JdbcRowSetImpl\",{\"dataSourceName\":"
                        + "\"ldap://127.0.0.1:1/x\",\"autoCommit\":true}]"),
                Named.of("JdbcRowSetImpl, property form", "{\"@t\":\"com.sun.rowset.JdbcRowSetImpl\","
                        + "\"dataSourceName\":\"ldap://127.0.0.1:1/x\",\"autoCommit\":true}"),
                Named.of("ProcessBuilder", "{\"@t\":\"java.lang.ProcessBuilder\",\"command\":[\"touch\",\"/tmp/x\"]}"),
                Named.of("ProcessBuilder, array form", "[\"java.lang.ProcessBuilder\",[\"touch\",\"/tmp/x\"]]"),
                Named.of("TemplatesImpl", "[\"com.sun.org.apache.xalan.internal.xsltc.trax.TemplatesImpl\",{}]"),
                Named.of("URL (DNS lookup on hashCode)", "[\"java.net.URL\",\"http://attacker.example/\"]"),
                Named.of("java.io.File", "[\"java.io.File\",\"/etc/passwd\"]"),
                Named.of("Class", "[\"java.lang.Class\",\"java.lang.Runtime\"]"),
                Named.of("our own unregistered class, array form", "[\"" + GADGET + "\",{\"command\":\"id\"}]"),
                Named.of("our own unregistered class, property form", "{\"@t\":\"" + GADGET + "\",\"command\":\"id\"}"),
                Named.of("our own unregistered class, as a string", "[\"" + GADGET + "\",\"id\"]"),
                Named.of("gadget inside a list", "[\"L\",[[\"J\",1],[\"" + GADGET + "\",{}]]]"),
                Named.of("gadget inside a map", "{\"@t\":\"M\",\"ok\":\"x\",\"evil\":{\"@t\":\"" + GADGET + "\"}}"),
                Named.of("gadget inside an Object[]", "[\"[O\",[[\"" + GADGET + "\",{}]]]"),
                Named.of("gadget in a registered record's Object field",
                        "{\"@t\":\"" + HOLDER + "\",\"payload\":[\"" + GADGET + "\",{}]}"),
                Named.of("gadget in a registered record's List field",
                        "{\"@t\":\"" + HOLDER + "\",\"items\":[\"" + GADGET + "\",[]]}"),
                Named.of("a map id where the record declares a List",
                        "{\"@t\":\"" + HOLDER + "\",\"items\":{\"@t\":\"M\",\"a\":1}}"),
                Named.of("full JDK class name of an allowed type", "[\"java.util.ArrayList\",[1]]"),
                Named.of("array class name", "[\"[Ljava.lang.Object;\",[1]]"),
                Named.of("type id as a number", "[1,{}]"),
                Named.of("type id as an object", "[{\"@t\":\"L\"},[]]"),
                Named.of("type id far too long", "[\"" + "x".repeat(100_000) + "\",{}]"),
                Named.of("truncated", "[\"L\",[[\"J\",1],"),
                Named.of("trailing garbage", "[\"J\",1]garbage"),
                Named.of("two values", "[\"J\",1][\"J\",2]"),
                Named.of("not JSON at all", "\u00ac\u00ed\u0000\u0005sr\u0000\u0013java.util.ArrayList"),
                Named.of("empty", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void hostileStoredBytesAreRefusedAndNoGadgetIsEverInitialized(String stored) {
        assertThatThrownBy(() -> codec.decode(stored.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AttributeCodecException.class)
                .satisfies(e -> assertThat(((AttributeCodecException) e).reason())
                        .isEqualTo(AttributeCodecException.Reason.UNDECODABLE))
                .satisfies(e -> assertThat(e.getMessage()).as("message never echoes stored data at length")
                        .hasSizeLessThan(400).doesNotContain("ldap://").doesNotContain("/etc/passwd"));

        assertThat(GADGET_INITIALIZED).as("gadget class initialized").hasValue(0);
        assertThat(GADGET_CONSTRUCTED).as("gadget constructed").hasValue(0);
    }

    @Test
    void aValueOfFiveMegabytesIsRefusedQuickly() {
        byte[] huge = ("\"" + "x".repeat(5 * 1024 * 1024) + "\"").getBytes(StandardCharsets.US_ASCII);
        long started = System.nanoTime();

        assertThatThrownBy(() -> codec.decode(huge)).isInstanceOf(AttributeCodecException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void nestingFarBeyondTheLimitIsRefusedWithoutAStackOverflow() {
        byte[] deep = ("[\"L\",".repeat(100_000) + "[]" + "]".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> codec.decode(deep)).isInstanceOf(AttributeCodecException.class);
    }

    /**
     * {@code encode} never produces these ({@code encode(null)} is refused), and a session attribute
     * cannot hold null: bytes that decode to nothing are not a value and must be refused like any other
     * corrupt data. Returning {@code null} hands callers a value they are not written for (the
     * servlet session, for one, then fails with a NullPointerException when it saves).
     */
    @ParameterizedTest
    @ValueSource(strings = {"null", "[\"J\",null]", "[\"Str\",null]", "[\"L\",null]", "{\"@t\":\"M\",\"@t\":null}"})
    void storedBytesThatDecodeToNullAreRefused(String stored) {
        Object decoded;
        try {
            decoded = codec.decode(stored.getBytes(StandardCharsets.UTF_8));
        } catch (AttributeCodecException refused) {
            assertThat(refused.reason()).isEqualTo(AttributeCodecException.Reason.UNDECODABLE);
            return;
        }
        assertThat(decoded).as("decode(%s)", stored).isNotNull();
    }
}
