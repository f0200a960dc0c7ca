package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SessionIdTest {

    private static final String VALID = "A".repeat(42) + "E"; // 'E' = 4: low two bits zero

    @Test
    void generatedIdIs43CharactersThatParseBackToTheSameId() {
        SessionId id = SessionId.generate();

        assertThat(id.value()).hasSize(SessionId.LENGTH).hasSize(43).matches("[A-Za-z0-9_-]{43}");
        assertThat(SessionId.parse(id.value())).contains(id);
        assertThat(SessionId.parse(new StringBuilder(id.value()))).contains(id);
    }

    @Test
    void generatedIdsAreDistinct() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            seen.add(SessionId.generate().value());
        }

        assertThat(seen).hasSize(10_000);
    }

    @Test
    void everyUnpaddedBase64UrlEncodingOf32BytesParses() {
        for (int i = 0; i < 256; i++) {
            byte[] bytes = new byte[32];
            java.util.Arrays.fill(bytes, (byte) i);
            String text = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);

            assertThat(SessionId.parse(text)).as("bytes all %d", i).isPresent();
        }
    }

    @Test
    void parseRejectsNullAndEmpty() {
        assertThat(SessionId.parse(null)).isEmpty();
        assertThat(SessionId.parse("")).isEmpty();
    }

    @Test
    void parseRejectsWrongLengths() {
        assertThat(SessionId.parse(VALID)).isPresent();
        assertThat(SessionId.parse(VALID.substring(1))).as("42 characters").isEmpty();
        assertThat(SessionId.parse("A" + VALID)).as("44 characters").isEmpty();
        assertThat(SessionId.parse(VALID + "=")).as("padded").isEmpty();
        assertThat(SessionId.parse(VALID.repeat(100))).as("very long").isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "/", "=", " ", "é", "\u0000", "\n", ".", "%", "\u0410" /* Cyrillic A */})
    void parseRejectsCharactersOutsideBase64Url(String bad) {
        assertThat(SessionId.parse(bad + VALID.substring(1))).as("first").isEmpty();
        assertThat(SessionId.parse(VALID.substring(0, 20) + bad + VALID.substring(21))).as("middle").isEmpty();
        assertThat(SessionId.parse(VALID.substring(0, 42) + bad)).as("last").isEmpty();
    }

    @Test
    void parseRejectsASupplementaryCharacterThatMakesUp43Chars() {
        String emoji = "\uD83D\uDE00"; // two chars

        assertThat(SessionId.parse(emoji + VALID.substring(2))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(chars = {'B', 'C', 'D', 'F', 'b', '1', '-', '_'})
    void parseRejectsALastCharacterWithStrayLowBits(char last) {
        assertThat(SessionId.parse(VALID.substring(0, 42) + last)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(chars = {'A', 'E', 'I', 'Q', 'g', 'w', '0', '8'})
    void parseAcceptsALastCharacterWhoseLowBitsAreZero(char last) {
        assertThat(SessionId.parse(VALID.substring(0, 42) + last)).isPresent();
    }

    @Test
    void toStringDoesNotRevealTheId() {
        SessionId id = SessionId.generate();

        assertThat(id.toString()).doesNotContain(id.value());
        assertThat(id.toString()).doesNotContain(id.value().substring(0, 12));
    }

    @Test
    void digestIsTheSha256OfTheIdIn43Base64UrlCharactersAndStable() throws Exception {
        SessionId id = SessionId.generate();
        String expected = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(id.value().getBytes(StandardCharsets.US_ASCII)));

        assertThat(id.digest()).isEqualTo(expected).hasSize(43).isNotEqualTo(id.value());
        assertThat(id.digest()).isEqualTo(id.digest());
        assertThat(SessionId.parse(id.value()).orElseThrow().digest()).isEqualTo(expected);
        assertThat(SessionId.generate().digest()).isNotEqualTo(expected);
    }

    @Test
    void idsAreEqualByValue() {
        SessionId id = SessionId.generate();
        SessionId same = SessionId.parse(id.value()).orElseThrow();

        assertThat(same).isEqualTo(id).hasSameHashCodeAs(id);
        assertThat(SessionId.generate()).isNotEqualTo(id);
    }
}
