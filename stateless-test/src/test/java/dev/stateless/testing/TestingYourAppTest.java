package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.session.InMemorySessionStore;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.token.InMemoryRevocationList;
import dev.stateless.core.token.TokenVerificationException;
import dev.stateless.jwt.JwtVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The snippets of the README's "Testing your app", as typed there (the Redis one is {@code
 * CartStoreTest} in stateless-redis, which the kit cannot depend on; the contract one is {@code
 * InMemorySessionStoreTest}), and a check that the README still shows them verbatim.
 */
class TestingYourAppTest {

    @Test
    void anInMemorySessionExpiresWhenTheClockIsAdvanced() {
        MutableClock clock = MutableClock.startingNow();
        SessionStore store = InMemorySessionStore.builder()
                .codec(JsonAttributeCodec.builder().allow(Cart.class).build())
                .idleTimeout(Duration.ofMinutes(30))
                .clock(clock)
                .build();
        SessionData session = store.newSession();
        store.save(SessionChanges.to(session).set("cart", store.codec().encode(new Cart(Map.of("sku-1", 2)))).build());

        clock.advance(Duration.ofMinutes(31));
        assertThat(store.load(session.id())).isEmpty(); // expired, and the test did not wait
    }

    @Test
    void aTestIssuersTokenVerifiesUntilItExpiresOnTheSameClock() {
        MutableClock clock = MutableClock.startingNow();

        TestIssuer tokens = TestIssuer.create(clock);
        String alice = tokens.issue("alice", Map.of("roles", List.of("clerk")));
        JwtVerifier verifier = tokens.verifierBuilder().revocationList(new InMemoryRevocationList(clock)).build();

        assertThat(verifier.verify(alice).roles()).containsExactly("clerk");
        clock.advance(TestIssuer.LIFETIME.plusMinutes(2)); // past exp and the verifier's clock skew
        assertThatThrownBy(() -> verifier.verify(alice)).isInstanceOf(TokenVerificationException.class);
    }

    @Test
    void theReadmeShowsTheseSnippetsVerbatim() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        int from = readme.indexOf("## Testing your app");
        String section = readme.substring(from, readme.indexOf("\n## ", from + 1));
        List<Path> sources = List.of(
                root.resolve("stateless-test/src/test/java/dev/stateless/testing/TestingYourAppTest.java"),
                root.resolve("stateless-test/src/test/java/dev/stateless/core/session/InMemorySessionStoreTest.java"),
                root.resolve("stateless-redis/src/test/java/dev/stateless/redis/CartStoreTest.java"));
        List<List<String>> compiled = new ArrayList<>();
        for (Path source : sources) {
            compiled.add(codeLines(Files.readString(source)));
        }

        List<String> snippets = javaBlocks(section);
        assertThat(snippets).hasSize(4);
        for (String snippet : snippets) {
            List<String> lines = codeLines(snippet);
            assertThat(compiled).as("a compiled test holding\n%s", snippet)
                    .anySatisfy(file -> assertThat(java.util.Collections.indexOfSubList(file, lines)).isNotNegative());
        }
    }

    private static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        int at = 0;
        while ((at = markdown.indexOf("```java\n", at)) >= 0) {
            int end = markdown.indexOf("\n```", at);
            blocks.add(markdown.substring(at + "```java\n".length(), end));
            at = end + 4;
        }
        return blocks;
    }

    /** Lines without their indentation, blank lines left out. */
    private static List<String> codeLines(String code) {
        try (Stream<String> lines = code.lines()) {
            return lines.map(String::strip).filter(line -> !line.isEmpty()).toList();
        }
    }
}
