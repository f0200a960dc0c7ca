package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Properties of {@link SessionId#parse}: the one text form of every 256-bit id parses back to it,
 * and any other text (the whole space a client can put in a cookie or header) is refused without
 * an exception. The oracle is independent of the implementation: the JDK's base64url decoder and
 * re-encoder.
 */
class SessionIdPropertiesTest {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    @Property(tries = 1000)
    void theTextOfEvery32ByteIdParsesBackToTheSameId(@ForAll @Size(32) byte[] bytes) {
        String text = ENCODER.encodeToString(bytes);

        Optional<SessionId> parsed = SessionId.parse(text);

        assertThat(text).hasSize(SessionId.LENGTH);
        assertThat(parsed).isPresent();
        assertThat(parsed.get().value()).isEqualTo(text);
        assertThat(Base64.getUrlDecoder().decode(parsed.get().value())).isEqualTo(bytes);
        assertThat(SessionId.parse(new StringBuilder(text))).contains(parsed.get());
    }

    @Property(tries = 200)
    void generatedIdsParseBackAndTheirDigestIsAnotherCanonicalId(@ForAll("seeds") int ignored) {
        SessionId id = SessionId.generate();

        assertThat(SessionId.parse(id.value())).contains(id);
        assertThat(id.digest()).hasSize(SessionId.LENGTH).isEqualTo(id.digest());
        assertThat(SessionId.parse(id.digest())).as("the digest is in the same canonical form").isPresent();
        assertThat(id.toString()).doesNotContain(id.value().substring(6));
    }

    @Property(tries = 2000)
    void arbitraryTextParsesExactlyWhenItIsTheCanonicalBase64UrlOf32Bytes(@ForAll("candidates") String text) {
        Optional<SessionId> parsed;
        try {
            parsed = SessionId.parse(text);
        } catch (RuntimeException e) {
            fail("parse threw " + e + " for " + describe(text));
            return;
        }

        assertThat(parsed.isPresent()).as("parse(%s)", describe(text)).isEqualTo(isCanonicalId(text));
        parsed.ifPresent(id -> assertThat(id.value()).isEqualTo(text));
    }

    @Property(tries = 500)
    void changingAnyOneCharacterOfAValidIdToOneOutsideTheAlphabetIsRefused(@ForAll @Size(32) byte[] bytes,
            @ForAll("positions") int position, @ForAll("outsideAlphabet") char replacement) {
        char[] text = ENCODER.encodeToString(bytes).toCharArray();
        text[position] = replacement;

        assertThat(SessionId.parse(new String(text))).isEmpty();
    }

    @Property(tries = 500)
    void aLastCharacterWithStrayLowBitsIsRefusedSoEveryIdHasOneTextForm(@ForAll @Size(32) byte[] bytes,
            @ForAll("strayBits") int stray) {
        String canonical = ENCODER.encodeToString(bytes);
        char last = canonical.charAt(SessionId.LENGTH - 1);
        char variant = ALPHABET.charAt(ALPHABET.indexOf(last) | stray);
        String other = canonical.substring(0, SessionId.LENGTH - 1) + variant;

        // The JDK decodes both to the same 32 bytes; only one of the two texts may name the session.
        assertThat(Base64.getUrlDecoder().decode(other)).isEqualTo(bytes);
        assertThat(SessionId.parse(other)).isEmpty();
    }

    @Example
    void nullAndHostileCharSequencesAreRefusedWithoutAnException() {
        assertThat(SessionId.parse(null)).isEmpty();
        assertThat(SessionId.parse("")).isEmpty();
        assertThat(SessionId.parse("A".repeat(1_000_000))).isEmpty();
        assertThat(SessionId.parse("A".repeat(42) + "\uD83D")).isEmpty();
        assertThat(SessionId.parse("\uD83D\uDE00".repeat(21) + "A")).isEmpty();
    }

    /** The oracle: 43 chars that the JDK decodes to 32 bytes and re-encodes to the same text. */
    private static boolean isCanonicalId(String text) {
        if (text.length() != SessionId.LENGTH) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (ALPHABET.indexOf(text.charAt(i)) < 0) {
                return false; // the JDK decoder would also take '=' padding, which no id carries
            }
        }
        byte[] decoded;
        try {
            decoded = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return decoded.length == 32 && ENCODER.encodeToString(decoded).equals(text);
    }

    private static String describe(String text) {
        String shown = text.length() > 60 ? text.substring(0, 60) + "…" : text;
        return "\"" + shown + "\" (length " + text.length() + ", chars " + Arrays.toString(
                text.chars().limit(8).mapToObj(c -> String.format("U+%04X", c)).toArray()) + "…)";
    }

    @Provide
    Arbitrary<Integer> seeds() {
        return Arbitraries.integers();
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, SessionId.LENGTH - 1);
    }

    @Provide
    Arbitrary<Integer> strayBits() {
        return Arbitraries.integers().between(1, 3);
    }

    @Provide
    Arbitrary<Character> outsideAlphabet() {
        return Arbitraries.oneOf(
                Arbitraries.chars().all().filter(c -> ALPHABET.indexOf(c) < 0),
                Arbitraries.of('=', '+', '/', '.', ' ', '\t', '\u0000', '\u007f', '\u00c0', '\u0130', '\u212a',
                        '\uff21', '\uD800', '\uDC00', ';', ',', '"'));
    }

    @Provide
    Arbitrary<String> candidates() {
        Arbitrary<String> alphabet43 = Arbitraries.strings().withChars(ALPHABET).ofLength(SessionId.LENGTH);
        Arbitrary<String> nearLength = Arbitraries.strings().withChars(ALPHABET).ofMinLength(40).ofMaxLength(46);
        Arbitrary<String> padded = Arbitraries.strings().withChars(ALPHABET).ofLength(42).map(s -> s + "=");
        Arbitrary<String> standardBase64 = Arbitraries.strings().withChars(ALPHABET + "+/")
                .ofLength(SessionId.LENGTH);
        Arbitrary<String> oneBadChar = Combinators.combine(alphabet43, positions(), outsideAlphabet())
                .as((s, i, c) -> s.substring(0, i) + c + s.substring(i + 1));
        Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(60);
        Arbitrary<String> length43Anything = Arbitraries.strings().all().ofLength(SessionId.LENGTH);
        Arbitrary<String> fixed = Arbitraries.of(List.of("", " ", "null", "A".repeat(43), "A".repeat(42) + "B",
                "_".repeat(43), "-".repeat(42) + "w", " " + "A".repeat(42), "A".repeat(42) + " ",
                "A".repeat(42) + "\u0000", "\"" + "A".repeat(41) + "\""));
        return Arbitraries.oneOf(List.of(alphabet43, nearLength, padded, standardBase64, oneBadChar, anything,
                length43Anything, fixed));
    }
}
