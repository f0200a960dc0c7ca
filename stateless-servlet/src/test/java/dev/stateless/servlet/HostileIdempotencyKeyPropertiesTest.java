package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of {@link IdempotencyKeys#parse}, the parser of the {@code Idempotency-Key} header:
 * the draft's Structured Field String form and the bare (Stripe-style) form of a key name the same
 * key; whatever a client sends, the parser answers without an exception, and a key it accepts is
 * 1 to {@code maxLength} printable ASCII characters taken from a header that held nothing else.
 */
class HostileIdempotencyKeyPropertiesTest {

    private static final String PRINTABLE = printable();

    private static String printable() {
        StringBuilder b = new StringBuilder();
        for (char c = 0x20; c <= 0x7e; c++) {
            b.append(c);
        }
        return b.toString();
    }

    @Property(tries = 1000)
    void theQuotedAndTheBareFormOfAKeyParseToTheSameKey(@ForAll("bareKeys") String key,
            @ForAll @IntRange(min = 1, max = 4096) int maxLength) {
        Optional<String> bare = IdempotencyKeys.parse(key, maxLength);
        Optional<String> quoted = IdempotencyKeys.parse("\"" + key + "\"", maxLength);

        assertThat(quoted).as("quoted form").isEqualTo(bare);
        if (key.length() <= maxLength) {
            assertThat(bare).contains(key);
        } else {
            assertThat(bare).isEmpty();
        }
    }

    @Property(tries = 1000)
    void anyPrintableKeyIsReadBackFromItsStructuredFieldSerialization(@ForAll("printableKeys") String key) {
        String serialized = "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";

        assertThat(IdempotencyKeys.parse(serialized, 255)).contains(key);
    }

    @Property(tries = 300)
    void optionalWhitespaceAroundTheValueIsIgnored(@ForAll("bareKeys") String key, @ForAll("ows") String before,
            @ForAll("ows") String after) {
        assertThat(IdempotencyKeys.parse(before + key + after, 4096)).contains(key);
        assertThat(IdempotencyKeys.parse(before + "\"" + key + "\"" + after, 4096)).contains(key);
    }

    @Property(tries = 2000)
    void anyHeaderValueIsAnsweredWithoutAnExceptionAndAnAcceptedKeyIsPrintableAsciiWithinTheLimit(
            @ForAll("headerValues") String header, @ForAll("maxLengths") int maxLength) {
        Optional<String> key;
        try {
            key = IdempotencyKeys.parse(header, maxLength);
        } catch (RuntimeException e) {
            fail("parse threw " + e + " for " + describe(header));
            return;
        }
        key.ifPresent(k -> {
            assertThat(k.length()).as("key length for %s", describe(header)).isBetween(1, maxLength);
            assertThat(k.chars().allMatch(c -> c >= 0x20 && c <= 0x7e))
                    .as("only printable ASCII in the key parsed from %s", describe(header)).isTrue();
        });
    }

    /**
     * RFC 9110 lets a field value be surrounded by spaces and tabs only (OWS). A value that carries
     * any other character outside printable ASCII is not "one string of printable ASCII characters"
     * (the filter's own words) and must be refused, wherever that character sits.
     */
    @Property(tries = 2000)
    void aHeaderWithAControlOrNonAsciiCharacterOutsideTheQuotesIsRefused(@ForAll("bareKeys") String key,
            @ForAll("notPrintable") char bad, @ForAll boolean atStart, @ForAll boolean quoted) {
        String value = quoted ? "\"" + key + "\"" : key;
        String header = atStart ? bad + value : value + bad;

        assertThat(IdempotencyKeys.parse(header, 4096)).as("parse(%s)", describe(header)).isEmpty();
    }

    @Property(tries = 1000)
    void aControlOrNonAsciiCharacterInsideTheKeyIsRefused(@ForAll("bareKeys") String key,
            @ForAll("notPrintable") char bad, @ForAll boolean quoted) {
        String inner = "k" + bad + key; // strictly inside: a character at either end is the other property
        String header = quoted ? "\"" + inner + "\"" : inner;

        assertThat(IdempotencyKeys.parse(header, 4096)).as("parse(%s)", describe(header)).isEmpty();
    }

    @Property(tries = 500)
    void unbalancedOrTrailingQuotesAreRefused(@ForAll("bareKeys") String key) {
        for (String header : List.of("\"" + key, key + "\"", "\"" + key + "\"x", "\"" + key + "\"\"",
                "\"" + key + "\\\"", "x\"" + key + "\"", "\"" + key + "\" \"" + key + "\"")) {
            assertThat(IdempotencyKeys.parse(header, 4096)).as("parse(%s)", describe(header)).isEmpty();
        }
    }

    @Example
    void edgeValuesAreRefused() {
        for (String header : List.of("", " ", "\t", "\"\"", "\"", "\\", "\"\\\"", "\"\\a\"", "a b", "a\"b", "a\\b")) {
            assertThat(IdempotencyKeys.parse(header, 255)).as("parse(%s)", describe(header)).isEmpty();
        }
        assertThat(IdempotencyKeys.parse(null, 255)).isEmpty();
        assertThat(IdempotencyKeys.parse("k".repeat(1 << 20), 255)).isEmpty();
        assertThat(IdempotencyKeys.parse("\"" + "\\\"".repeat(255) + "\"", 255)).contains("\"".repeat(255));
        assertThat(IdempotencyKeys.parse("\"" + "\\\"".repeat(256) + "\"", 255)).isEmpty();
    }

    private static String describe(String header) {
        StringBuilder b = new StringBuilder("\"");
        header.chars().limit(80).forEach(c -> {
            if (c >= 0x20 && c <= 0x7e) {
                b.append((char) c);
            } else {
                b.append(String.format("\\u%04x", c));
            }
        });
        return b.append(header.length() > 80 ? "…\"" : "\"").append(" (length ").append(header.length()).append(')')
                .toString();
    }

    // ---- generators

    /** Keys that can be sent bare: printable ASCII without space, quote or backslash. */
    @Provide
    Arbitrary<String> bareKeys() {
        String chars = PRINTABLE.replace(" ", "").replace("\"", "").replace("\\", "");
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars(chars).ofMinLength(1).ofMaxLength(40),
                Arbitraries.strings().withChars(chars).ofMinLength(250).ofMaxLength(260),
                Arbitraries.create(() -> java.util.UUID.randomUUID().toString()));
    }

    @Provide
    Arbitrary<String> printableKeys() {
        return Arbitraries.strings().withChars(PRINTABLE).ofMinLength(1).ofMaxLength(255)
                .filter(k -> !k.isBlank() || !k.isEmpty());
    }

    @Provide
    Arbitrary<String> ows() {
        return Arbitraries.strings().withChars(" \t").ofMaxLength(3);
    }

    @Provide
    Arbitrary<Integer> maxLengths() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 4096), Arbitraries.of(1, 2, 3, 255, 4096));
    }

    /** Characters a field value may not carry: controls (HTAB excepted), DEL, and anything past ASCII. */
    @Provide
    Arbitrary<Character> notPrintable() {
        return Arbitraries.oneOf(
                Arbitraries.chars().range('\u0000', '\u001f').filter(c -> c != '\t'),
                Arbitraries.chars().range('\u007f', '\u00ff'),
                Arbitraries.chars().all().filter(c -> c > 0xff),
                Arbitraries.of('\u001c', '\u001d', '\u001e', '\u001f', '\u000b', '\u000c', '\u0085', '\u00a0',
                        '\u2003', '\u3000', '\uFEFF'));
    }

    @Provide
    Arbitrary<String> headerValues() {
        List<String> pieces = List.of("\"", "\\", " ", "\t", "\\\"", "\\\\", "a", "key-1", "\u0000", "\u001f", "\u007f",
                "\u00e9", "\u2003", "\uD800", ",", ";", "=");
        return Arbitraries.oneOf(List.of(
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withChars(PRINTABLE).ofMaxLength(300),
                Arbitraries.of(pieces).list().ofMaxSize(20).map(p -> String.join("", p)),
                Combinators.combine(Arbitraries.of(pieces).list().ofMaxSize(4), bareKeys(),
                                Arbitraries.of(pieces).list().ofMaxSize(4))
                        .as((a, k, b) -> String.join("", a) + k + String.join("", b)),
                Arbitraries.strings().withChars("\"\\ k").ofMinLength(1).ofMaxLength(12)));
    }
}
