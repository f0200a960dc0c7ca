package dev.stateless.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.InMemorySessionStore;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What the in-place check of a request's session costs in encodings: none for plain values read
 * and left as they were, also when the request saves twice (at commit, then at its end); one for a
 * value of another type, as before; and a plain value changed after a save is saved again.
 */
class InPlaceCheckCostTest {

    /** The JSON codec, counting the values it encodes. */
    private static final class CountingCodec implements AttributeCodec {
        final AttributeCodec json = AttributeCodec.json();
        final AtomicInteger encodes = new AtomicInteger();

        @Override
        public byte[] encode(Object value) {
            encodes.incrementAndGet();
            return json.encode(value);
        }

        @Override
        public Object decode(byte[] bytes) {
            return json.decode(bytes);
        }
    }

    private final CountingCodec codec = new CountingCodec();
    private final InMemorySessionStore store = InMemorySessionStore.builder().codec(codec).build();

    /** A stored session with a cart, a history and a name; then a view of it as a request sees it. */
    private StatelessHttpSession stored() {
        SessionData fresh = store.newSession();
        SessionChanges created = SessionChanges.to(fresh)
                .set("cart", codec.encode(new HashMap<>(Map.of("apple", 1))))
                .set("recent", codec.encode(new ArrayList<>(List.of("/a"))))
                .set("name", codec.encode("alice"))
                .set("since", codec.encode(new java.util.Date(0)))
                .build();
        store.save(created);
        SessionData loaded = store.load(fresh.id()).orElseThrow();
        codec.encodes.set(0);
        return new StatelessHttpSession(store, loaded, null, SessionEvents.NONE, () -> { });
    }

    /** What the filter does at a save: the changes, stored, then the view told. */
    private Optional<SessionChanges> save(StatelessHttpSession session) {
        Optional<SessionChanges> changes = session.changes(Optional.empty());
        changes.ifPresent(c -> session.saved(c, store.saveAsync(c).join()));
        return changes;
    }

    @Test
    void plainValuesOnlyReadAreNeverEncodedAgain() {
        StatelessHttpSession session = stored();
        session.getAttribute("cart");
        session.getAttribute("recent");
        session.getAttribute("name");

        assertThat(save(session)).isEmpty();
        assertThat(save(session)).isEmpty();
        assertThat(codec.encodes).hasValue(0);
    }

    @Test
    void aValueOfAnotherTypeIsEncodedAgainAtEachCheck() {
        StatelessHttpSession session = stored();
        session.getAttribute("since"); // a Date: mutable, not plain

        assertThat(save(session)).isEmpty();
        assertThat(codec.encodes).hasValue(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSecondSaveOfTheRequestSkipsWhatTheFirstLeftAndSavesWhatChangedSince() {
        StatelessHttpSession session = stored();
        Map<String, Integer> cart = (Map<String, Integer>) session.getAttribute("cart");
        List<String> recent = (List<String>) session.getAttribute("recent");
        cart.put("pear", 2);

        assertThat(save(session).orElseThrow().set()).containsOnlyKeys("cart"); // at commit
        int afterFirst = codec.encodes.get();
        assertThat(save(session)).as("nothing changed since").isEmpty();
        assertThat(codec.encodes.get() - afterFirst).as("only the saved cart is encoded again").isEqualTo(1);

        cart.remove("pear"); // back to what was read: still a change against what was saved
        recent.add("/b");
        assertThat(save(session).orElseThrow().set()).containsOnlyKeys("cart", "recent");
        assertThat(codec.decode(store.load(session.sessionId()).orElseThrow().encodedAttribute("cart").orElseThrow()))
                .isEqualTo(Map.of("apple", 1));
    }
}
