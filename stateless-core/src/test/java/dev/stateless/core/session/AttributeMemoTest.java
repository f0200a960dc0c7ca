package dev.stateless.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The decoded values a near cache's copy keeps: bounded, for one codec, carried only for unchanged bytes. */
class AttributeMemoTest {

    private final AttributeCodec codec = AttributeCodec.json();

    @Test
    void keepsImmutableAndPlainValuesAndNothingElse() {
        AttributeMemo memo = new AttributeMemo(codec, 1 << 20);
        memo.offer("name", "alice");
        memo.offer("cart", new HashMap<>(Map.of("apple", 1)));
        memo.offer("date", new java.util.Date());
        memo.offer("immutable list", List.of("a"));

        assertThat(memo.get("name")).isEqualTo("alice");
        assertThat(memo.get("cart")).isEqualTo(Map.of("apple", 1));
        assertThat(memo.get("date")).isNull();
        assertThat(memo.get("immutable list")).isNull();
        assertThat(memo.size()).isEqualTo(2);
        assertThat(memo.decodes(codec)).isTrue();
        assertThat(memo.decodes(AttributeCodec.json())).as("another codec instance").isFalse();
    }

    @Test
    void staysWithinItsBudget() {
        long budget = 4_000;
        AttributeMemo memo = new AttributeMemo(codec, budget);
        for (int i = 0; i < 100; i++) {
            memo.offer("v" + i, new ArrayList<>(List.of("x".repeat(100), "y".repeat(100))));
        }
        assertThat(memo.usedBytes()).isLessThanOrEqualTo(budget).isPositive();
        assertThat(memo.size()).isBetween(1, 99);
        long footprint = PlainValues.footprint(new ArrayList<>(List.of("x".repeat(100), "y".repeat(100))));
        assertThat(memo.usedBytes()).isEqualTo(memo.size() * footprint);

        AttributeMemo none = new AttributeMemo(codec, 0);
        none.offer("a", "b");
        assertThat(none.size()).isZero();
    }

    @Test
    void theFootprintIsAtLeastWhatTheHeapHolds() {
        // a rough floor: 2 bytes per character, 16 per object header, 4 per reference
        Map<String, Integer> cart = new HashMap<>();
        for (int i = 0; i < 20; i++) {
            cart.put("sku-" + i, i);
        }
        long chars = cart.keySet().stream().mapToLong(String::length).sum();
        assertThat(PlainValues.footprint(cart)).isGreaterThan(2 * chars + 20 * (16 + 16 + 16 + 4));
        assertThat(PlainValues.footprint(new java.util.Date())).isEqualTo(-1);
    }

    @Test
    void aSaveCarriesTheValuesOfTheAttributesItLeftAsTheyWere() {
        AttributeMemo memo = new AttributeMemo(codec, 1 << 20);
        memo.offer("kept", "k");
        memo.offer("set", "s");
        memo.offer("removed", "r");
        SessionData base = SessionData.stored(SessionId.generate(), Instant.EPOCH, Instant.EPOCH, Duration.ofMinutes(30),
                Instant.EPOCH.plus(Duration.ofDays(1)), null, Map.of("kept", codec.encode("k"), "set", codec.encode("s"),
                        "removed", codec.encode("r")), 3).withMemo(memo);

        SessionData after = base.apply(SessionChanges.to(base).set("set", codec.encode("t")).remove("removed").build(), 4);

        AttributeMemo carried = after.memo().orElseThrow();
        assertThat(carried).isNotSameAs(memo);
        assertThat(carried.get("kept")).isEqualTo("k");
        assertThat(carried.get("set")).isNull();
        assertThat(carried.get("removed")).isNull();
        assertThat(memo.get("set")).as("the old copy's memo is left as it was").isEqualTo("s");
        // the same bytes under another id, or touched: the same memo
        assertThat(base.withId(SessionId.generate()).memo()).containsSame(memo);
        assertThat(base.touchedAt(Instant.EPOCH.plusSeconds(1)).memo()).containsSame(memo);
        assertThat(SessionData.stored(base.id(), Instant.EPOCH, Instant.EPOCH, Duration.ZERO, Instant.EPOCH, null,
                Map.of()).memo()).isEmpty();
    }

    @Test
    void aSaveKeepsTheValuesGivenWithTheirBytesWhenTheirTypeDecodesBackExactly() {
        AttributeMemo memo = new AttributeMemo(codec, 1 << 20);
        SessionData base = SessionData.stored(SessionId.generate(), Instant.EPOCH, Instant.EPOCH, Duration.ofMinutes(30),
                Instant.EPOCH.plus(Duration.ofDays(1)), null, Map.of("counter", codec.encode(1L)), 3).withMemo(memo);
        java.util.UUID uuid = java.util.UUID.randomUUID();

        SessionChanges changes = SessionChanges.to(base)
                .set("counter", codec.encode(2L), 2L)
                .set("id", codec.encode(uuid), uuid)
                .set("price", codec.encode(new java.math.BigDecimal("1E+3")), new java.math.BigDecimal("1E+3"))
                .set("dropped", codec.encode("x"), "x").remove("dropped")
                .set("again", codec.encode("y"), "y").set("again", codec.encode("z"))
                .build();
        AttributeMemo carried = base.apply(changes, 4).memo().orElseThrow();

        assertThat(changes.values()).containsOnlyKeys("counter", "id");
        assertThat(carried.get("counter")).isEqualTo(2L);
        assertThat(carried.get("id")).isEqualTo(uuid);
        assertThat(carried.get("price")).as("scale and bits need not survive text").isNull();
        assertThat(carried.get("again")).as("set again without its value").isNull();
        assertThat(codec.decode(changes.set().get("counter"))).isEqualTo(carried.get("counter"));
        assertThat(SessionData.stored(base.id(), Instant.EPOCH, Instant.EPOCH, Duration.ofMinutes(30),
                Instant.EPOCH.plus(Duration.ofDays(1)), null, Map.of(), 3).apply(changes, 4).memo())
                .as("a copy without a memo gets none").isEmpty();
        // the store (for its near cache) and the servlet session apply one save's answer: computed once
        SessionChanges saved = SessionChanges.to(base).set("counter", codec.encode(3L), 3L).build();
        SessionData forTheNearCache = base.apply(saved, 4);
        assertThat(base.apply(saved, 4)).isSameAs(forTheNearCache);
        assertThat(base.apply(saved, 4)).as("used once, not kept").isNotSameAs(forTheNearCache);
        assertThat(base.apply(changes, 5).version()).isEqualTo(5);
        assertThat(base.apply(SessionChanges.to(base).set("counter", codec.encode(2L), 2L).build(), 4))
                .isNotSameAs(base.apply(changes, 4));
    }

    @Test
    void concurrentOffersKeepOneValueAndCountItOnce() throws Exception {
        AttributeMemo memo = new AttributeMemo(codec, 1 << 20);
        ExecutorService threads = Executors.newFixedThreadPool(8);
        CountDownLatch start = new CountDownLatch(1);
        try {
            for (int t = 0; t < 8; t++) {
                threads.submit(() -> {
                    start.await();
                    for (int i = 0; i < 1_000; i++) {
                        memo.offer("v" + (i % 10), "value " + (i % 10));
                    }
                    return null;
                });
            }
            start.countDown();
        } finally {
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(memo.size()).isEqualTo(10);
        assertThat(memo.usedBytes()).isEqualTo(10 * PlainValues.footprint("value 0"));
        assertThat(memo.carried(Set.of(), 1 << 20).usedBytes()).isEqualTo(memo.usedBytes());
    }
}
