package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.CorruptDataException;
import dev.stateless.core.Health;
import dev.stateless.core.session.JsonAttributeCodec;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionLock;
import dev.stateless.core.session.SessionLockedException;
import dev.stateless.core.session.SessionStore;
import dev.stateless.core.session.SessionSummary;
import dev.stateless.testing.Cart;
import dev.stateless.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SessionStore} must do, run by each implementation's test (Jetty's
 * {@code AbstractSessionDataStoreTest} in spirit). Time is a {@link MutableClock}: nothing sleeps,
 * and a store that also sets server-side TTLs must still judge expiry by the injected clock.
 *
 * <p>A subclass builds its store in {@link #createStore} with the given clock and timeouts and the
 * codec from {@link #testCodec()}. Each test gets a fresh clock and a store with the default
 * timeouts ({@link #IDLE}, {@link #ABSOLUTE}, touch interval zero); stores are closed after each
 * test. A subclass over a shared server should clear it in its own {@code @BeforeEach}.
 *
 * <p>Besides loads, deltas and expiry it covers sessions without idle expiry (idle timeout zero),
 * {@link SessionStore#touch} and the opt-in {@linkplain SessionLock session lock}. Lock leases end
 * by the test's clock; only tests that wait for another holder take real time (a few ms), and no
 * assertion depends on how long anything took.
 */
public abstract class SessionStoreContract {

    /** The idle timeout of the default store. */
    protected static final Duration IDLE = Duration.ofMinutes(30);
    /** The absolute timeout of the default store. */
    protected static final Duration ABSOLUTE = Duration.ofHours(12);

    /** The clock of the test's stores, which the test moves. */
    protected MutableClock clock;
    /** The store each test starts with ({@link #IDLE}, {@link #ABSOLUTE}, touch interval zero). */
    protected SessionStore store;
    private final List<SessionStore> opened = new ArrayList<>();

    /**
     * A store on {@code clock} with these timeouts and the codec from {@link #testCodec()}.
     *
     * @param clock the clock the test moves
     * @param idleTimeout the idle timeout of new sessions
     * @param absoluteTimeout the longest life of a session
     * @param touchInterval how often at most the last access is written
     * @return the store; the contract closes it
     */
    protected abstract SessionStore createStore(MutableClock clock, Duration idleTimeout, Duration absoluteTimeout,
            Duration touchInterval);

    /**
     * A store like {@link #createStore} with the default timeouts (touch interval zero) that keeps at
     * most {@code maxSessionsPerPrincipal} live sessions per principal.
     *
     * @param clock the clock the test moves
     * @param maxSessionsPerPrincipal at least 1
     * @return the store; the contract closes it
     */
    protected abstract SessionStore createStoreWithSessionLimit(MutableClock clock, int maxSessionsPerPrincipal);

    /**
     * Replaces what {@link #store} holds under {@code id} by data it cannot read, as a backend may
     * find it: for Redis, a session hash whose metadata is not numbers.
     *
     * @param id a session id
     */
    protected abstract void plantUnreadable(SessionId id);

    /**
     * The codec every store under contract uses: JDK types plus {@link Cart}.
     *
     * @return the codec
     */
    public static JsonAttributeCodec testCodec() {
        return JsonAttributeCodec.builder().allow(Cart.class).build();
    }

    // protected final: a subclass in another package cannot shadow these by accident
    /** Opens {@link #store} on a new clock before each test. */
    @BeforeEach
    protected final void openDefaultStore() {
        clock = MutableClock.startingNow();
        store = open(IDLE, ABSOLUTE, Duration.ZERO);
    }

    /** Closes every store the test opened. */
    @AfterEach
    protected final void closeStores() {
        opened.forEach(SessionStore::close);
        opened.clear();
    }

    /**
     * Another store on the test's clock, closed after the test.
     *
     * @param idleTimeout the idle timeout of new sessions
     * @param absoluteTimeout the longest life of a session
     * @param touchInterval how often at most the last access is written
     * @return the store
     */
    protected final SessionStore open(Duration idleTimeout, Duration absoluteTimeout, Duration touchInterval) {
        SessionStore created = createStore(clock, idleTimeout, absoluteTimeout, touchInterval);
        opened.add(created);
        return created;
    }

    // ---- health

    @Test
    void aStoreThatServesIsNotReportedDown() {
        Health health = store.health();

        assertThat(health.status()).as("%s", health).isNotEqualTo(Health.Status.DOWN);
        assertThat(health.isUp() ? health.error() : java.util.Optional.empty()).isEmpty();
    }

    // ---- creating and reading

    @Test
    void newSessionIsNotStoredUntilSaved() {
        SessionData session = store.newSession();

        assertThat(session.isNew()).isTrue();
        assertThat(store.load(session.id())).isEmpty();

        assertThat(store.save(SessionChanges.to(session).build())).isTrue();
        assertThat(store.load(session.id())).hasValueSatisfying(loaded -> assertThat(loaded.isNew()).isFalse());
    }

    @Test
    void newSessionCarriesTheStoreTimeoutsAndTheCurrentTime() {
        SessionData session = store.newSession();

        assertThat(session.createdAt()).isEqualTo(clock.instant());
        assertThat(session.lastAccessedAt()).isEqualTo(clock.instant());
        assertThat(session.idleTimeout()).isEqualTo(IDLE);
        assertThat(session.absoluteExpiry()).isEqualTo(clock.instant().plus(ABSOLUTE));
        assertThat(session.principal()).isEmpty();
        assertThat(session.attributeNames()).isEmpty();
    }

    @Test
    void newSessionsHaveDistinctIds() {
        assertThat(store.newSession().id()).isNotEqualTo(store.newSession().id());
    }

    @Test
    void savedSessionLoadsBackWithItsMetadataAndAttributes() {
        Instant created = clock.instant();
        SessionData session = store.newSession();
        Map<String, Integer> quantities = new LinkedHashMap<>();
        quantities.put("apple", 3);
        quantities.put("pear", 1);
        boolean saved = store.save(SessionChanges.to(session)
                .set("visits", encode(42L))
                .set("quantities", encode(quantities))
                .set("tags", encode(List.of("new", "eu")))
                .set("cart", encode(new Cart(Map.of("sku-1", 2))))
                .set("name", encode("Ada"))
                .principal("alice")
                .build());
        clock.advance(Duration.ofMinutes(1));

        SessionData loaded = load(session.id());

        assertThat(saved).isTrue();
        assertThat(loaded.id()).isEqualTo(session.id());
        assertThat(loaded.isNew()).isFalse();
        assertThat(loaded.createdAt()).isEqualTo(created);
        assertThat(loaded.lastAccessedAt()).isEqualTo(created);
        assertThat(loaded.idleTimeout()).isEqualTo(IDLE);
        assertThat(loaded.absoluteExpiry()).isEqualTo(created.plus(ABSOLUTE));
        assertThat(loaded.expiresAt()).isEqualTo(created.plus(IDLE));
        assertThat(loaded.principal()).contains("alice");
        assertThat(loaded.attributeNames()).containsExactlyInAnyOrder("visits", "quantities", "tags", "cart", "name");
        assertThat(decode(loaded, "visits")).isInstanceOf(Long.class).isEqualTo(42L);
        assertThat(decode(loaded, "quantities")).isEqualTo(quantities);
        assertThat(decode(loaded, "tags")).isEqualTo(List.of("new", "eu"));
        assertThat(decode(loaded, "cart")).isEqualTo(new Cart(Map.of("sku-1", 2)));
        assertThat(decode(loaded, "name")).isEqualTo("Ada");
        assertThat(loaded.encodedAttributes()).containsOnlyKeys(loaded.attributeNames());
    }

    @Test
    void loadOfUnknownIdIsEmpty() {
        assertThat(store.load(SessionId.generate())).isEmpty();
    }

    @Test
    void loadReturnsTheSessionAsItWasBeforeThisAccess() {
        Instant created = clock.instant();
        SessionId id = saveNew(Map.of()).id();

        clock.advance(Duration.ofMinutes(5));
        assertThat(load(id).lastAccessedAt()).isEqualTo(created);

        clock.advance(Duration.ofMinutes(5));
        assertThat(load(id).lastAccessedAt()).isEqualTo(created.plus(Duration.ofMinutes(5)));
    }

    @Test
    void unchangedLoadedSessionHasEmptyChanges() {
        SessionData loaded = load(saveNew(Map.of("a", "1")).id());

        assertThat(SessionChanges.to(loaded).build().isEmpty()).isTrue();
        assertThat(SessionChanges.to(loaded).set("a", encode("2")).build().isEmpty()).isFalse();
        assertThat(SessionChanges.to(loaded).remove("a").build().isEmpty()).isFalse();
        assertThat(SessionChanges.to(loaded).idleTimeout(Duration.ofMinutes(5)).build().isEmpty()).isFalse();
        assertThat(SessionChanges.to(loaded).principal("alice").build().isEmpty()).isFalse();
        assertThat(SessionChanges.to(store.newSession()).build().isEmpty()).isFalse();
    }

    // ---- deltas

    @Test
    void saveChangesOnlyTheNamedAttributesAndKeepsTheOthers() {
        SessionId id = saveNew(Map.of("a", "1", "b", "2", "c", "3")).id();
        SessionData loaded = load(id);

        assertThat(store.save(SessionChanges.to(loaded).set("b", encode("two")).set("d", encode(4L)).build())).isTrue();

        SessionData after = load(id);
        assertThat(after.attributeNames()).containsExactlyInAnyOrder("a", "b", "c", "d");
        assertThat(decode(after, "a")).isEqualTo("1");
        assertThat(decode(after, "b")).isEqualTo("two");
        assertThat(decode(after, "c")).isEqualTo("3");
        assertThat(decode(after, "d")).isEqualTo(4L);
    }

    @Test
    void removedAttributeIsGoneAndTheOthersStay() {
        SessionId id = saveNew(Map.of("a", "1", "b", "2")).id();

        assertThat(store.save(SessionChanges.to(load(id)).remove("a").build())).isTrue();

        SessionData after = load(id);
        assertThat(after.attributeNames()).containsExactly("b");
        assertThat(after.encodedAttribute("a")).isEmpty();
        assertThat(decode(after, "b")).isEqualTo("2");
    }

    @Test
    void removingAnAttributeThatIsNotThereIsHarmless() {
        SessionId id = saveNew(Map.of("a", "1")).id();

        assertThat(store.save(SessionChanges.to(load(id)).remove("never-set").build())).isTrue();

        assertThat(load(id).attributeNames()).containsExactly("a");
    }

    @Test
    void concurrentSavesOfDifferentAttributesBothSurvive() {
        SessionId id = saveNew(Map.of("kept", "yes")).id();
        SessionData first = load(id);
        SessionData second = load(id);

        assertThat(store.save(SessionChanges.to(first).set("a", encode("from first")).build())).isTrue();
        assertThat(store.save(SessionChanges.to(second).set("b", encode("from second")).build())).isTrue();

        SessionData after = load(id);
        assertThat(decode(after, "a")).isEqualTo("from first");
        assertThat(decode(after, "b")).isEqualTo("from second");
        assertThat(decode(after, "kept")).isEqualTo("yes");
    }

    @Test
    void concurrentRemoveDoesNotUndoAnotherRequestsSet() {
        SessionId id = saveNew(Map.of("a", "1", "b", "2")).id();
        SessionData first = load(id);
        SessionData second = load(id);

        store.save(SessionChanges.to(first).remove("a").build());
        store.save(SessionChanges.to(second).set("b", encode("changed")).build());

        SessionData after = load(id);
        assertThat(after.attributeNames()).containsExactly("b");
        assertThat(decode(after, "b")).isEqualTo("changed");
    }

    @Test
    void lastSaveWinsForTheSameAttribute() {
        SessionId id = saveNew(Map.of("a", "0")).id();
        SessionData first = load(id);
        SessionData second = load(id);

        store.save(SessionChanges.to(first).set("a", encode("first")).build());
        store.save(SessionChanges.to(second).set("a", encode("second")).build());

        assertThat(decode(load(id), "a")).isEqualTo("second");
    }

    @Test
    void savesFromManyThreadsAtOnceLoseNoAttribute() throws Exception {
        SessionId id = saveNew(Map.of()).id();
        int threads = 8;
        int savesPerThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < savesPerThread; i++) {
                        SessionData loaded = store.load(id).orElseThrow();
                        assertThat(store.save(SessionChanges.to(loaded).set("t" + thread + "-" + i, encode(i)).build()))
                                .isTrue();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(load(id).attributeNames()).hasSize(threads * savesPerThread);
    }

    @Test
    void attributeNamesThatLookLikeMetadataDoNotDisturbIt() {
        Instant created = clock.instant();
        List<String> names = List.of("id", "created", "createdAt", "lastAccess", "lastAccessedAt", "idle",
                "idleTimeout", "absolute", "absoluteExpiry", "expiry", "expiresAt", "principal", "attributes",
                "meta", "c", "l", "i", "a", "p", "_created", "#created", ":created", "@c");
        SessionChanges.Builder changes = SessionChanges.to(store.newSession()).principal("alice");
        names.forEach(name -> changes.set(name, encode("value of " + name)));
        SessionId id = changes.build().id();
        assertThat(store.save(changes.build())).isTrue();
        clock.advance(Duration.ofMinutes(1));

        SessionData loaded = load(id);

        assertThat(loaded.attributeNames()).containsExactlyInAnyOrderElementsOf(names);
        names.forEach(name -> assertThat(decode(loaded, name)).isEqualTo("value of " + name));
        assertThat(loaded.createdAt()).isEqualTo(created);
        assertThat(loaded.lastAccessedAt()).isEqualTo(created);
        assertThat(loaded.idleTimeout()).isEqualTo(IDLE);
        assertThat(loaded.absoluteExpiry()).isEqualTo(created.plus(ABSOLUTE));
        assertThat(loaded.principal()).contains("alice");
    }

    @Test
    void attributeNamesWithUnusualCharactersRoundTrip() {
        List<String> names = List.of("", " ", "with space", "ünïcödé", "日本", "a:b", "{tag}", "a\nb", "x".repeat(500));
        SessionChanges.Builder changes = SessionChanges.to(store.newSession());
        names.forEach(name -> changes.set(name, encode(name.length())));
        SessionChanges built = changes.build();
        store.save(built);

        SessionData loaded = load(built.id());

        assertThat(loaded.attributeNames()).containsExactlyInAnyOrderElementsOf(names);
        names.forEach(name -> assertThat(decode(loaded, name)).isEqualTo(name.length()));
    }

    @Test
    void encodedAttributesAlreadyLoadedAreNotAffectedByLaterSaves() {
        SessionId id = saveNew(Map.of("a", "old")).id();
        SessionData earlier = load(id);
        byte[] before = earlier.encodedAttribute("a").orElseThrow().clone();

        store.save(SessionChanges.to(load(id)).set("a", encode("newer")).build());

        assertThat(earlier.encodedAttribute("a")).hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(before));
        assertThat(earlier.attributeNames()).containsExactly("a");
        assertThat(decode(earlier, "a")).isEqualTo("old");
        assertThat(decode(load(id), "a")).isEqualTo("newer");
    }

    @Test
    void storeKeepsItsOwnCopyOfSavedBytes() {
        byte[] encoded = encode("original");
        SessionData session = store.newSession();
        store.save(SessionChanges.to(session).set("a", encoded).build());

        java.util.Arrays.fill(encoded, (byte) '?');

        assertThat(decode(load(session.id()), "a")).isEqualTo("original");
    }

    // ---- lost sessions are not brought back

    @Test
    void saveOfADeletedSessionReturnsFalseAndDoesNotBringItBack() {
        SessionId id = saveNew(Map.of("a", "1")).id();
        SessionData loaded = load(id);
        store.delete(id);

        assertThat(store.save(SessionChanges.to(loaded).set("b", encode("2")).build())).isFalse();

        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void saveOfAnExpiredSessionReturnsFalseAndDoesNotBringItBack() {
        SessionId id = saveNew(Map.of("a", "1")).id();
        SessionData loaded = load(id);
        clock.advance(IDLE.plusSeconds(1));

        assertThat(store.save(SessionChanges.to(loaded).set("b", encode("2")).build())).isFalse();

        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void saveUnderAnIdThatWasChangedReturnsFalse() {
        SessionId oldId = saveNew(Map.of("a", "1")).id();
        SessionData loadedUnderOldId = load(oldId);
        SessionId newId = SessionId.generate();
        assertThat(store.changeId(oldId, newId)).isTrue();

        assertThat(store.save(SessionChanges.to(loadedUnderOldId).set("b", encode("2")).build())).isFalse();

        assertThat(store.load(oldId)).isEmpty();
        assertThat(load(newId).attributeNames()).containsExactly("a");
    }

    // ---- expiry

    @Test
    void sessionIsAliveJustBeforeItsIdleTimeout() {
        SessionId id = saveNew(Map.of()).id();

        clock.advance(IDLE.minusSeconds(1));

        assertThat(store.load(id)).isPresent();
    }

    @Test
    void sessionExpiresAfterItsIdleTimeout() {
        SessionId id = saveNew(Map.of("a", "1")).id();

        clock.advance(IDLE.plusSeconds(1));

        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void loadsBeforeEachIdleTimeoutKeepTheSessionAlive() {
        SessionId id = saveNew(Map.of("a", "1")).id();

        for (int i = 0; i < 5; i++) {
            clock.advance(IDLE.minusMinutes(1));
            assertThat(store.load(id)).as("load %d, %s after creation", i + 1, IDLE.minusMinutes(1).multipliedBy(i + 1))
                    .isPresent();
        }
        clock.advance(IDLE.plusSeconds(1));

        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void loadWithinTheTouchIntervalDoesNotMoveTheLastAccess() {
        SessionStore touchy = open(IDLE, ABSOLUTE, Duration.ofMinutes(5));
        Instant created = clock.instant();
        SessionData session = touchy.newSession();
        touchy.save(SessionChanges.to(session).build());
        SessionId id = session.id();

        clock.advance(Duration.ofMinutes(2));
        assertThat(touchy.load(id).orElseThrow().lastAccessedAt()).isEqualTo(created);
        clock.advance(Duration.ofMinutes(2));
        assertThat(touchy.load(id).orElseThrow().lastAccessedAt()).as("the load 2 minutes in was not recorded")
                .isEqualTo(created);
        clock.advance(Duration.ofMinutes(2));
        assertThat(touchy.load(id).orElseThrow().lastAccessedAt()).as("4 minutes in: still not recorded")
                .isEqualTo(created);
        clock.advance(Duration.ofMinutes(1));
        assertThat(touchy.load(id).orElseThrow().lastAccessedAt()).as("the load 6 minutes in was recorded")
                .isEqualTo(created.plus(Duration.ofMinutes(6)));
    }

    @Test
    void loadsSpacedBeyondTheTouchIntervalKeepTheSessionAlive() {
        SessionStore touchy = open(IDLE, ABSOLUTE, Duration.ofMinutes(5));
        SessionData session = touchy.newSession();
        touchy.save(SessionChanges.to(session).set("a", encode("1")).build());

        for (int i = 0; i < 6; i++) {
            clock.advance(Duration.ofMinutes(20));
            assertThat(touchy.load(session.id())).as("load %d", i + 1).isPresent();
        }
        clock.advance(IDLE.plusSeconds(1));

        assertThat(touchy.load(session.id())).isEmpty();
    }

    @Test
    void absoluteTimeoutEndsEvenAnActiveSession() {
        SessionStore shortLived = open(IDLE, Duration.ofHours(1), Duration.ZERO);
        SessionData session = shortLived.newSession();
        shortLived.save(SessionChanges.to(session).build());

        for (int minutes : new int[] {20, 20, 19}) {
            clock.advance(Duration.ofMinutes(minutes));
            assertThat(shortLived.load(session.id())).isPresent();
        }
        clock.advance(Duration.ofMinutes(2)); // 61 minutes after creation, 2 after the last access

        assertThat(shortLived.load(session.id())).isEmpty();
    }

    @Test
    void loadedSessionExpiresAtTheSoonerOfIdleAndAbsoluteExpiry() {
        SessionStore shortLived = open(IDLE, Duration.ofMinutes(45), Duration.ZERO);
        Instant created = clock.instant();
        SessionData session = shortLived.newSession();
        shortLived.save(SessionChanges.to(session).build());
        clock.advance(Duration.ofMinutes(10));
        shortLived.load(session.id());
        clock.advance(Duration.ofMinutes(10));

        SessionData loaded = shortLived.load(session.id()).orElseThrow();

        assertThat(loaded.absoluteExpiry()).isEqualTo(created.plus(Duration.ofMinutes(45)));
        assertThat(loaded.expiresAt()).isEqualTo(created.plus(Duration.ofMinutes(40)));
    }

    @Test
    void shorterIdleTimeoutSavedWithTheSessionTakesEffect() {
        SessionId id = saveNew(Map.of()).id();
        assertThat(store.save(SessionChanges.to(load(id)).idleTimeout(Duration.ofMinutes(5)).build())).isTrue();
        assertThat(load(id).idleTimeout()).isEqualTo(Duration.ofMinutes(5));

        clock.advance(Duration.ofMinutes(6));

        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void longerIdleTimeoutSavedWithTheSessionTakesEffect() {
        SessionId id = saveNew(Map.of()).id();
        store.save(SessionChanges.to(load(id)).idleTimeout(Duration.ofHours(2)).build());

        clock.advance(Duration.ofMinutes(90));
        assertThat(store.load(id)).hasValueSatisfying(s -> assertThat(s.idleTimeout()).isEqualTo(Duration.ofHours(2)));
        clock.advance(Duration.ofHours(2).plusSeconds(1));
        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void newSessionSavedWithItsOwnIdleTimeoutUsesIt() {
        SessionData session = store.newSession();
        store.save(SessionChanges.to(session).idleTimeout(Duration.ofMinutes(3)).build());

        clock.advance(Duration.ofMinutes(4));

        assertThat(store.load(session.id())).isEmpty();
    }

    // ---- no idle expiry (idle timeout zero)

    @Test
    void sessionWithoutIdleTimeoutOutlivesAnyIdlePeriodAndEndsAtItsAbsoluteExpiry() {
        Instant created = clock.instant();
        SessionData session = store.newSession();
        assertThat(store.save(SessionChanges.to(session).idleTimeout(Duration.ZERO).set("a", encode("1")).build()))
                .isTrue();

        clock.advance(IDLE.multipliedBy(3));
        SessionData loaded = load(session.id());
        assertThat(loaded.idleTimeout()).isEqualTo(Duration.ZERO);
        assertThat(loaded.expiresAt()).isEqualTo(created.plus(ABSOLUTE));
        assertThat(decode(loaded, "a")).isEqualTo("1");

        clock.advance(ABSOLUTE.minus(IDLE.multipliedBy(3)).minusSeconds(1));
        assertThat(store.load(session.id())).as("a second before the absolute expiry").isPresent();
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.load(session.id())).as("a second after the absolute expiry").isEmpty();
    }

    @Test
    void loadedSessionCanGiveUpItsIdleTimeoutAndTakeOneAgain() {
        SessionId id = saveNew(Map.of()).id();
        assertThat(store.save(SessionChanges.to(load(id)).idleTimeout(Duration.ZERO).build())).isTrue();

        clock.advance(IDLE.multipliedBy(2));
        assertThat(store.save(SessionChanges.to(load(id)).idleTimeout(Duration.ofMinutes(5)).build())).isTrue();
        assertThat(load(id).idleTimeout()).isEqualTo(Duration.ofMinutes(5));

        clock.advance(Duration.ofMinutes(6));
        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void sessionWithoutIdleTimeoutIsListedWithItsAbsoluteExpiryAndKeepsItUnderANewId() {
        Instant created = clock.instant();
        SessionData session = store.newSession();
        store.save(SessionChanges.to(session).idleTimeout(Duration.ZERO).principal("alice").build());
        SessionId newId = SessionId.generate();
        clock.advance(IDLE.multipliedBy(2));

        assertThat(store.findByPrincipal("alice")).extracting(SessionSummary::expiresAt)
                .containsExactly(created.plus(ABSOLUTE));
        assertThat(store.changeId(session.id(), newId)).isTrue();
        clock.advance(IDLE.multipliedBy(2));
        assertThat(load(newId).idleTimeout()).isEqualTo(Duration.ZERO);
    }

    // ---- touch: an access without a read

    @Test
    void touchRefreshesTheIdleExpiryLikeALoad() throws Exception {
        Instant created = clock.instant();
        SessionId id = saveNew(Map.of("a", "1")).id();

        clock.advance(Duration.ofMinutes(20));
        store.touch(id).get(10, TimeUnit.SECONDS);
        clock.advance(Duration.ofMinutes(20)); // 40 minutes after creation, 20 after the touch

        SessionData loaded = load(id);
        assertThat(loaded.lastAccessedAt()).isEqualTo(created.plus(Duration.ofMinutes(20)));
        assertThat(decode(loaded, "a")).isEqualTo("1");
    }

    @Test
    void touchWithinTheTouchIntervalDoesNotMoveTheLastAccess() throws Exception {
        SessionStore touchy = open(IDLE, ABSOLUTE, Duration.ofMinutes(5));
        Instant created = clock.instant();
        SessionData session = touchy.newSession();
        touchy.save(SessionChanges.to(session).build());

        clock.advance(Duration.ofMinutes(2));
        touchy.touch(session.id()).get(10, TimeUnit.SECONDS);
        clock.advance(Duration.ofMinutes(1));
        assertThat(touchy.load(session.id()).orElseThrow().lastAccessedAt()).as("the touch 2 minutes in")
                .isEqualTo(created);

        clock.advance(Duration.ofMinutes(3));
        touchy.touch(session.id()).get(10, TimeUnit.SECONDS);
        clock.advance(Duration.ofMinutes(1));
        assertThat(touchy.load(session.id()).orElseThrow().lastAccessedAt()).as("the touch 6 minutes in")
                .isEqualTo(created.plus(Duration.ofMinutes(6)));
    }

    @Test
    void touchNeverBringsBackAnExpiredOrDeletedSession() throws Exception {
        SessionId expired = saveNew(Map.of("a", "1")).id();
        SessionId deleted = saveNew(Map.of("a", "1")).id();
        store.delete(deleted);
        clock.advance(IDLE.plusSeconds(1));

        store.touch(expired).get(10, TimeUnit.SECONDS);
        store.touch(deleted).get(10, TimeUnit.SECONDS);

        assertThat(store.load(expired)).isEmpty();
        assertThat(store.load(deleted)).isEmpty();
    }

    @Test
    void touchOfAnUnknownIdCreatesNothing() throws Exception {
        SessionId unknown = SessionId.generate();

        store.touch(unknown).get(10, TimeUnit.SECONDS);

        assertThat(store.load(unknown)).isEmpty();
    }

    @Test
    void touchKeepsASessionWithoutIdleTimeoutToItsAbsoluteExpiry() throws Exception {
        SessionData session = store.newSession();
        store.save(SessionChanges.to(session).idleTimeout(Duration.ZERO).build());

        clock.advance(ABSOLUTE.minusMinutes(1));
        store.touch(session.id()).get(10, TimeUnit.SECONDS);
        clock.advance(Duration.ofMinutes(2));

        assertThat(store.load(session.id())).isEmpty();
    }

    // ---- the session lock

    /** The lock the lock tests load with: a one-minute lease, no wait. */
    protected static final SessionLock LOCK = new SessionLock(Duration.ofMinutes(1), Duration.ZERO);

    @Test
    void lockedLoadReturnsTheSessionWithALockTokenAndPlainLoadsDoNot() {
        SessionId id = saveNew(Map.of("a", "1")).id();

        SessionData locked = store.load(id, LOCK).orElseThrow();

        assertThat(locked.lockToken()).hasValueSatisfying(token -> assertThat(token).isNotBlank());
        assertThat(locked.attributeNames()).containsExactly("a");
        assertThat(decode(locked, "a")).isEqualTo("1");
        assertThat(load(id).lockToken()).isEmpty();
        assertThat(load(id).attributeNames()).as("the lock is no attribute").containsExactly("a");
    }

    @Test
    void lockingAnUnknownOrExpiredSessionReturnsEmptyAndTakesNothing() {
        SessionId expired = saveNew(Map.of()).id();
        clock.advance(IDLE.plusSeconds(1));

        assertThat(store.load(SessionId.generate(), LOCK)).isEmpty();
        assertThat(store.load(expired, LOCK)).isEmpty();
    }

    @Test
    void secondLockerGivesUpWithSessionLockedExceptionOnceMaxWaitHasPassed() {
        SessionId id = saveNew(Map.of()).id();
        store.load(id, LOCK).orElseThrow();

        assertThatThrownBy(() -> store.load(id, new SessionLock(Duration.ofMinutes(1), Duration.ofMillis(30))))
                .isInstanceOf(SessionLockedException.class)
                .isInstanceOf(dev.stateless.core.StatelessException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(id.value(), id.digest()));
        assertThatThrownBy(() -> store.load(id, LOCK)).as("maxWait zero: one try").isInstanceOf(SessionLockedException.class);
    }

    @Test
    void secondLockerWaitsUntilTheFirstSavesAndSeesItsWrite() throws Exception {
        SessionId id = saveNew(Map.of("a", "0")).id();
        SessionData first = store.load(id, LOCK).orElseThrow();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<SessionData> second = pool.submit(
                    () -> store.load(id, new SessionLock(Duration.ofMinutes(1), Duration.ofSeconds(30))).orElseThrow());
            Thread.sleep(100);
            assertThat(second).as("the second locker while the first holds the lock").isNotDone();

            assertThat(store.save(SessionChanges.to(first).set("a", encode("first")).build())).isTrue();

            SessionData got = second.get(30, TimeUnit.SECONDS);
            assertThat(decode(got, "a")).isEqualTo("first");
            assertThat(got.lockToken()).isPresent().isNotEqualTo(first.lockToken());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void saveReleasesTheLock() {
        SessionId id = saveNew(Map.of()).id();
        SessionData locked = store.load(id, LOCK).orElseThrow();

        assertThat(store.save(SessionChanges.to(locked).set("a", encode("1")).build())).isTrue();

        SessionData next = store.load(id, LOCK).orElseThrow();
        assertThat(decode(next, "a")).isEqualTo("1");
    }

    @Test
    void saveWithNothingChangedReleasesTheLockToo() {
        SessionId id = saveNew(Map.of()).id();
        SessionData locked = store.load(id, LOCK).orElseThrow();

        assertThat(store.save(SessionChanges.to(locked).build())).isTrue();

        assertThat(store.load(id, LOCK)).isPresent();
    }

    @Test
    void unlockReleasesTheLockAndIsHarmlessWithoutOne() {
        SessionId id = saveNew(Map.of()).id();
        SessionData locked = store.load(id, LOCK).orElseThrow();

        store.unlock(locked);

        SessionData again = store.load(id, LOCK).orElseThrow();
        store.unlock(load(id)); // holds no lock: nothing happens
        assertThatThrownBy(() -> store.load(id, LOCK)).isInstanceOf(SessionLockedException.class);
        store.unlock(again);
        store.unlock(again); // twice: nothing more happens
        assertThat(store.load(id, LOCK)).isPresent();
    }

    @Test
    void lockWhoseLeaseEndedIsTakenOver() {
        SessionId id = saveNew(Map.of()).id();
        SessionData first = store.load(id, LOCK).orElseThrow();

        clock.advance(LOCK.lease().minusSeconds(1));
        assertThatThrownBy(() -> store.load(id, LOCK)).as("lease still running").isInstanceOf(SessionLockedException.class);
        clock.advance(Duration.ofSeconds(1));
        SessionData second = store.load(id, LOCK).orElseThrow();

        assertThat(second.lockToken()).isPresent().isNotEqualTo(first.lockToken());
    }

    @Test
    void saveAfterLosingTheLeaseStillWritesAndLeavesTheNewHolderItsLock() {
        SessionId id = saveNew(Map.of()).id();
        SessionData first = store.load(id, LOCK).orElseThrow();
        clock.advance(LOCK.lease().plusSeconds(1));
        SessionData second = store.load(id, LOCK).orElseThrow();

        assertThat(store.save(SessionChanges.to(first).set("a", encode("late")).build())).isTrue();
        store.unlock(first);

        assertThat(decode(load(id), "a")).isEqualTo("late");
        assertThatThrownBy(() -> store.load(id, LOCK)).as("the second holder's lock").isInstanceOf(SessionLockedException.class);
        assertThat(store.save(SessionChanges.to(second).set("b", encode("2")).build())).isTrue();
        SessionData third = store.load(id, LOCK).orElseThrow();
        assertThat(third.attributeNames()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void saveWhoseLeaseEndedUntakenReleasesTheLock() {
        SessionId id = saveNew(Map.of()).id();
        SessionData locked = store.load(id, LOCK).orElseThrow();
        clock.advance(LOCK.lease().plusSeconds(1));

        assertThat(store.save(SessionChanges.to(locked).set("a", encode("1")).build())).isTrue();

        assertThat(store.load(id, LOCK)).isPresent();
    }

    @Test
    void plainLoadsAndSavesIgnoreTheLock() {
        SessionId id = saveNew(Map.of("a", "1")).id();
        SessionData locked = store.load(id, LOCK).orElseThrow();

        SessionData reader = load(id);
        assertThat(store.save(SessionChanges.to(reader).set("b", encode("2")).build())).isTrue();

        assertThatThrownBy(() -> store.load(id, LOCK)).as("still locked").isInstanceOf(SessionLockedException.class);
        assertThat(store.save(SessionChanges.to(locked).set("c", encode("3")).build())).isTrue();
        assertThat(load(id).attributeNames()).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void lockedLoadRefreshesTheIdleExpiryLikeALoad() {
        Instant created = clock.instant();
        SessionId id = saveNew(Map.of()).id();
        clock.advance(Duration.ofMinutes(20));

        SessionData locked = store.load(id, LOCK).orElseThrow();
        clock.advance(Duration.ofMinutes(20));

        assertThat(locked.lastAccessedAt()).isEqualTo(created);
        assertThat(load(id).lastAccessedAt()).isEqualTo(created.plus(Duration.ofMinutes(20)));
    }

    @Test
    void deleteRemovesTheLockWithTheSession() {
        SessionId id = saveNew(Map.of()).id();
        SessionData locked = store.load(id, LOCK).orElseThrow();

        store.delete(id);

        assertThat(store.load(id, LOCK)).isEmpty();
        assertThat(store.save(SessionChanges.to(locked).set("a", encode("1")).build())).isFalse();
        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void changeIdDoesNotCarryTheLockToTheNewId() {
        SessionId oldId = saveNew(Map.of("a", "1")).id();
        SessionData locked = store.load(oldId, LOCK).orElseThrow();
        SessionId newId = SessionId.generate();

        assertThat(store.changeId(oldId, newId)).isTrue();

        SessionData relocked = store.load(newId, LOCK).orElseThrow();
        assertThat(relocked.attributeNames()).containsExactly("a");
        assertThat(locked.withId(newId).lockToken()).as("a copy moved to the new id holds no lock").isEmpty();
        assertThat(store.load(oldId, LOCK)).isEmpty();
    }

    @Test
    void lockedReadModifyWriteFromManyThreadsLosesNoAppend() throws Exception {
        SessionId id = saveNew(Map.of("list", List.of("0"))).id();
        int appenders = 20;
        SessionLock patient = new SessionLock(Duration.ofMinutes(1), Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(appenders);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int n = 1; n <= appenders; n++) {
                String item = Integer.toString(n);
                done.add(pool.submit(() -> {
                    SessionData locked = store.load(id, patient).orElseThrow();
                    List<Object> list = new ArrayList<>((List<?>) decode(locked, "list"));
                    list.add(item);
                    assertThat(store.save(SessionChanges.to(locked).set("list", encode(list)).build())).isTrue();
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat((List<?>) decode(load(id), "list")).hasSize(appenders + 1).doesNotHaveDuplicates();
    }

    // ---- delete and change of id

    @Test
    void deletedSessionIsGone() {
        SessionId id = saveNew(Map.of("a", "1")).id();

        store.delete(id);

        assertThat(store.load(id)).isEmpty();
    }

    @Test
    void deleteOfAnUnknownIdDoesNothing() {
        SessionId kept = saveNew(Map.of("a", "1")).id();

        store.delete(SessionId.generate());

        assertThat(store.load(kept)).isPresent();
    }

    @Test
    void changeIdMovesTheSessionWithItsAttributesAndTimeouts() {
        Instant created = clock.instant();
        SessionData original = saveNew(Map.of("a", "1", "cart", new Cart(Map.of("sku", 1))));
        store.save(SessionChanges.to(load(original.id())).idleTimeout(Duration.ofMinutes(10)).build());
        SessionId newId = SessionId.generate();
        clock.advance(Duration.ofMinutes(1));

        assertThat(store.changeId(original.id(), newId)).isTrue();

        assertThat(store.load(original.id())).isEmpty();
        SessionData moved = load(newId);
        assertThat(moved.id()).isEqualTo(newId);
        assertThat(moved.createdAt()).isEqualTo(created);
        assertThat(moved.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(moved.absoluteExpiry()).isEqualTo(created.plus(ABSOLUTE));
        assertThat(decode(moved, "a")).isEqualTo("1");
        assertThat(decode(moved, "cart")).isEqualTo(new Cart(Map.of("sku", 1)));
    }

    @Test
    void sessionUnderItsNewIdCanBeChangedAndExpires() {
        SessionId oldId = saveNew(Map.of("a", "1")).id();
        SessionId newId = SessionId.generate();
        store.changeId(oldId, newId);

        assertThat(store.save(SessionChanges.to(load(newId)).set("b", encode("2")).build())).isTrue();
        assertThat(load(newId).attributeNames()).containsExactlyInAnyOrder("a", "b");

        clock.advance(IDLE.plusSeconds(1));
        assertThat(store.load(newId)).isEmpty();
    }

    @Test
    void invalidatingTheOldIdAfterAnIdChangeEndsTheSessionUnderItsNewIdToo() {
        SessionId oldId = saveNew(Map.of("user", "alice")).id();
        SessionId newId = SessionId.generate();
        assertThat(store.changeId(oldId, newId)).isTrue();

        store.delete(oldId); // a logout that loaded the session before the id changed

        assertThat(store.load(newId)).isEmpty();
        assertThat(store.load(oldId)).isEmpty();
    }

    @Test
    void invalidatingTheFirstIdEndsTheSessionAfterTwoIdChanges() {
        SessionId first = saveNew(Map.of("user", "alice")).id();
        SessionId second = SessionId.generate();
        SessionId third = SessionId.generate();
        assertThat(store.changeId(first, second)).isTrue();
        assertThat(store.changeId(second, third)).isTrue();

        store.delete(first);

        assertThat(store.load(third)).isEmpty();
    }

    @Test
    void anIdChangeAfterTheInvalidationFailsAndLeavesNothing() {
        SessionId oldId = saveNew(Map.of("user", "alice")).id();
        store.delete(oldId);
        SessionId newId = SessionId.generate();

        assertThat(store.changeId(oldId, newId)).isFalse();

        assertThat(store.load(newId)).isEmpty();
    }

    @Test
    void theOldIdOfAChangedSessionTakesNoSaveAndNoLoad() {
        SessionData before = load(saveNew(Map.of("a", "1")).id()); // as a concurrent request loaded it
        SessionId newId = SessionId.generate();
        assertThat(store.changeId(before.id(), newId)).isTrue();

        assertThat(store.save(SessionChanges.to(before).set("b", encode("2")).build())).isFalse();
        assertThat(store.load(before.id())).isEmpty();
        assertThat(load(newId).attributeNames()).containsExactly("a");
    }

    @Test
    void anInvalidationRacingAnIdChangeAlwaysWins() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 200; round++) {
                SessionId oldId = saveNew(Map.of("user", "alice")).id();
                SessionId newId = SessionId.generate();
                CountDownLatch start = new CountDownLatch(1);
                Future<Boolean> changed = threads.submit(() -> {
                    start.await();
                    return store.changeId(oldId, newId);
                });
                Future<?> deleted = threads.submit(() -> {
                    start.await();
                    store.delete(oldId);
                    return null;
                });
                start.countDown();
                changed.get(10, TimeUnit.SECONDS);
                deleted.get(10, TimeUnit.SECONDS);

                assertThat(store.load(newId)).as("round %d: the session under its new id", round).isEmpty();
                assertThat(store.load(oldId)).as("round %d: the session under its old id", round).isEmpty();
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void changeIdOfAnUnknownSessionReturnsFalse() {
        SessionId to = SessionId.generate();

        assertThat(store.changeId(SessionId.generate(), to)).isFalse();

        assertThat(store.load(to)).isEmpty();
    }

    @Test
    void changeIdOfAnExpiredSessionReturnsFalse() {
        SessionId from = saveNew(Map.of("a", "1")).id();
        SessionId to = SessionId.generate();
        clock.advance(IDLE.plusSeconds(1));

        assertThat(store.changeId(from, to)).isFalse();

        assertThat(store.load(to)).isEmpty();
        assertThat(store.load(from)).isEmpty();
    }

    // ---- principals

    @Test
    void findByPrincipalListsTheLiveSessionsOfThatPrincipal() {
        Instant first = clock.instant();
        SessionId a1 = saveNew(Map.of(), "alice").id();
        clock.advance(Duration.ofMinutes(1));
        SessionId a2 = saveNew(Map.of(), "alice").id();
        saveNew(Map.of(), "bob");
        clock.advance(Duration.ofMinutes(1));

        List<SessionSummary> found = store.findByPrincipal("alice");

        assertThat(found).extracting(SessionSummary::digest).containsExactlyInAnyOrder(a1.digest(), a2.digest());
        SessionSummary summary = found.stream().filter(s -> s.digest().equals(a1.digest())).findFirst().orElseThrow();
        assertThat(summary.createdAt()).isEqualTo(first);
        assertThat(summary.lastAccessedAt()).isEqualTo(first);
        assertThat(summary.expiresAt()).isEqualTo(first.plus(IDLE));
        assertThat(found).extracting(SessionSummary::digest).doesNotContain(a1.value(), a2.value());
    }

    @Test
    void findByPrincipalOfAnUnknownPrincipalIsEmpty() {
        saveNew(Map.of(), "alice");

        assertThat(store.findByPrincipal("nobody")).isEmpty();
    }

    @Test
    void findByPrincipalSkipsExpiredAndDeletedSessions() {
        SessionId expired = saveNew(Map.of(), "alice").id();
        clock.advance(Duration.ofMinutes(20));
        SessionId deleted = saveNew(Map.of(), "alice").id();
        SessionId live = saveNew(Map.of(), "alice").id();
        store.delete(deleted);
        clock.advance(Duration.ofMinutes(15));

        assertThat(store.findByPrincipal("alice")).extracting(SessionSummary::digest)
                .containsExactly(live.digest())
                .doesNotContain(expired.digest(), deleted.digest());
    }

    @Test
    void principalSetOnALoadedSessionIsRecorded() {
        SessionId id = saveNew(Map.of("a", "1")).id();

        assertThat(store.save(SessionChanges.to(load(id)).principal("alice").build())).isTrue();

        assertThat(load(id).principal()).contains("alice");
        assertThat(load(id).attributeNames()).containsExactly("a");
        assertThat(store.findByPrincipal("alice")).extracting(SessionSummary::digest).containsExactly(id.digest());
    }

    @Test
    void sessionMovedToAnotherPrincipalIsListedOnlyUnderTheNewOne() {
        SessionId id = saveNew(Map.of(), "alice").id();

        store.save(SessionChanges.to(load(id)).principal("bob").build());

        assertThat(store.findByPrincipal("alice")).isEmpty();
        assertThat(store.findByPrincipal("bob")).extracting(SessionSummary::digest).containsExactly(id.digest());
        assertThat(store.deleteByPrincipal("alice")).isZero();
        assertThat(store.load(id)).isPresent();
    }

    @Test
    void changedIdIsListedUnderThePrincipalInsteadOfTheOldOne() {
        SessionId oldId = saveNew(Map.of(), "alice").id();
        SessionId newId = SessionId.generate();

        store.changeId(oldId, newId);

        assertThat(store.findByPrincipal("alice")).extracting(SessionSummary::digest).containsExactly(newId.digest());
    }

    @Test
    void deleteByPrincipalDeletesAllItsSessionsAndLeavesOthersAlone() {
        SessionId a1 = saveNew(Map.of("a", "1"), "alice").id();
        SessionId a2 = saveNew(Map.of("a", "2"), "alice").id();
        SessionId b1 = saveNew(Map.of("b", "1"), "bob").id();
        SessionId anonymous = saveNew(Map.of("c", "1")).id();

        assertThat(store.deleteByPrincipal("alice")).isEqualTo(2);

        assertThat(store.load(a1)).isEmpty();
        assertThat(store.load(a2)).isEmpty();
        assertThat(store.findByPrincipal("alice")).isEmpty();
        assertThat(store.load(b1)).isPresent();
        assertThat(store.load(anonymous)).isPresent();
        assertThat(store.findByPrincipal("bob")).extracting(SessionSummary::digest).containsExactly(b1.digest());
    }

    @Test
    void deleteByPrincipalCountsOnlyLiveSessions() {
        saveNew(Map.of(), "alice");
        clock.advance(Duration.ofMinutes(20));
        SessionId live = saveNew(Map.of(), "alice").id();
        SessionId deleted = saveNew(Map.of(), "alice").id();
        store.delete(deleted);
        clock.advance(Duration.ofMinutes(15));

        assertThat(store.deleteByPrincipal("alice")).isEqualTo(1);

        assertThat(store.load(live)).isEmpty();
        assertThat(store.deleteByPrincipal("alice")).isZero();
    }

    @Test
    void sessionsOfAPrincipalCreatedAfterDeleteByPrincipalAreListed() {
        saveNew(Map.of(), "alice");
        store.deleteByPrincipal("alice");

        SessionId again = saveNew(Map.of(), "alice").id();

        assertThat(store.findByPrincipal("alice")).extracting(SessionSummary::digest).containsExactly(again.digest());
    }

    // ---- data the store cannot read

    @Test
    void aSessionThatCannotBeReadIsNoSessionToLoadsAndIsLeftAsItIs() {
        SessionId id = saveNew(Map.of("a", "1"), "alice").id();
        plantUnreadable(id);
        clock.advance(Duration.ofMinutes(1));

        assertThat(store.load(id)).isEmpty();
        assertThat(store.load(id, LOCK)).isEmpty();
        store.touch(id).join();
        assertThat(store.findByPrincipal("alice")).isEmpty();
        assertThat(store.deleteByPrincipal("alice")).isZero();

        SessionData fresh = saveNew(Map.of("b", "2"), "alice");
        assertThat(store.findByPrincipal("alice")).extracting(SessionSummary::digest)
                .containsExactly(fresh.id().digest());
    }

    @Test
    void aSaveOntoASessionThatCannotBeReadIsACorruptDataExceptionAndWritesNothing() {
        SessionId id = saveNew(Map.of("a", "1")).id();
        SessionData loaded = load(id);
        plantUnreadable(id);

        assertThatThrownBy(() -> store.save(SessionChanges.to(loaded).set("a", encode("2")).build()))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageNotContaining(id.value());
        assertThatThrownBy(() -> store.save(SessionChanges.to(loaded).remove("a").principal("bob").build()))
                .isInstanceOf(CorruptDataException.class);

        assertThat(store.load(id)).as("still unreadable, not turned into a session").isEmpty();
        store.delete(id);
        assertThat(store.save(SessionChanges.to(loaded).set("a", encode("3")).build()))
                .as("deleted: gone, not corrupt").isFalse();
    }

    // ---- limits

    @Test
    void beyondTheSessionLimitALoginEndsTheLeastRecentlyUsedOtherSessionsOfThatPrincipalOnly() {
        SessionStore limited = createStoreWithSessionLimit(clock, 2);
        opened.add(limited);
        SessionId first = saveNew(limited, "alice");
        clock.advance(Duration.ofMinutes(1));
        SessionId second = saveNew(limited, "alice");
        SessionId bobs = saveNew(limited, "bob");
        clock.advance(Duration.ofMinutes(1));
        assertThat(limited.load(first)).isPresent(); // first is now more recently used than second
        SessionData anonymous = limited.newSession();
        assertThat(limited.save(SessionChanges.to(anonymous).set("cart", encode("apples")).build())).isTrue();
        clock.advance(Duration.ofMinutes(1));

        // alice logs in on a third device: the session she browsed anonymously becomes hers
        SessionData browsing = limited.load(anonymous.id()).orElseThrow();
        assertThat(limited.save(SessionChanges.to(browsing).principal("alice").build())).isTrue();

        assertThat(limited.load(second)).as("least recently used: ended").isEmpty();
        assertThat(limited.load(first)).isPresent();
        assertThat(limited.load(anonymous.id())).hasValueSatisfying(s -> assertThat(s.principal()).contains("alice"));
        assertThat(limited.findByPrincipal("alice")).extracting(SessionSummary::digest)
                .containsExactlyInAnyOrder(first.digest(), anonymous.id().digest());
        assertThat(limited.load(bobs)).as("another principal's session").isPresent();
        assertThat(limited.findByPrincipal("bob")).hasSize(1);
    }

    @Test
    void theSessionLimitNeverEndsTheSessionThatIsLoggingInAndCountsOnlyLiveSessions() {
        SessionStore limited = createStoreWithSessionLimit(clock, 1);
        opened.add(limited);
        SessionId gone = saveNew(limited, "alice");
        limited.delete(gone);
        SessionId only = saveNew(limited, "alice");
        assertThat(limited.load(only)).as("a deleted session does not count").isPresent();

        clock.advance(Duration.ofMinutes(1));
        SessionId next = saveNew(limited, "alice");

        assertThat(limited.load(next)).as("the new login").isPresent();
        assertThat(limited.load(only)).isEmpty();
        assertThat(limited.findByPrincipal("alice")).extracting(SessionSummary::digest).containsExactly(next.digest());
    }

    @Test
    void withoutALimitAPrincipalKeepsAllItsSessions() {
        List<SessionId> ids = new ArrayList<>();
        for (int n = 0; n < 30; n++) {
            ids.add(saveNew(Map.of(), "alice").id());
        }

        ids.forEach(id -> assertThat(store.load(id)).isPresent());
        assertThat(store.findByPrincipal("alice")).hasSize(30);
    }

    /**
     * A request may set (and later remove) thousands of attributes; the save writes them all in one
     * atomic step. (Redis' Lua cannot unpack more than about 8,000 values into one command.)
     */
    @Test
    void aSessionWithTenThousandAttributesChangesItsIdWithAllOfThem() {
        SessionData session = store.newSession();
        SessionChanges.Builder changes = SessionChanges.to(session);
        for (int n = 0; n < 10_000; n++) {
            changes.set("attribute-" + n, encode(n));
        }
        assertThat(store.save(changes.build())).isTrue();
        SessionId newId = SessionId.generate();

        assertThat(store.changeId(session.id(), newId)).isTrue();

        SessionData moved = load(newId);
        assertThat(moved.attributeNames()).hasSize(10_000);
        assertThat(decode(moved, "attribute-9999")).isEqualTo(9999);
    }

    @Test
    void tenThousandAttributesAreSavedInOneStepLoadBackAndAreRemovedInOneStep() {
        int count = 10_000;
        SessionData session = store.newSession();
        SessionChanges.Builder changes = SessionChanges.to(session);
        for (int n = 0; n < count; n++) {
            changes.set("attribute-" + n, encode(n));
        }

        assertThat(store.save(changes.build())).isTrue();

        SessionData loaded = load(session.id());
        assertThat(loaded.attributeNames()).hasSize(count);
        assertThat(decode(loaded, "attribute-0")).isEqualTo(0);
        assertThat(decode(loaded, "attribute-9999")).isEqualTo(9999);

        SessionChanges.Builder removal = SessionChanges.to(loaded).set("kept", encode("yes"));
        for (int n = 0; n < count; n++) {
            removal.remove("attribute-" + n);
        }
        assertThat(store.save(removal.build())).isTrue();

        assertThat(load(session.id()).attributeNames()).containsExactly("kept");
    }

    // ---- asynchronous saves and versions

    @Test
    void saveAsyncWritesLikeSaveAndAnswersAVersionThatALoadAtItSees() {
        SessionData session = store.newSession();
        long first = store.saveAsync(SessionChanges.to(session).set("a", encode("1")).build()).join();
        SessionData loaded = load(session.id());
        long second = store.saveAsync(SessionChanges.to(loaded).set("a", encode("2")).principal("alice").build()).join();

        assertThat(first).isPositive();
        assertThat(second).isPositive();
        SessionData seen = store.load(session.id(), second).orElseThrow();
        assertThat(decode(seen, "a")).isEqualTo("2");
        assertThat(seen.principal()).hasValue("alice");
        assertThat(store.findByPrincipal("alice")).hasSize(1);

        store.delete(session.id());
        assertThat(store.saveAsync(SessionChanges.to(loaded).set("a", encode("3")).build()).join())
                .as("a save of a session that is gone").isZero();
        assertThat(store.load(session.id(), second)).isEmpty();
    }

    // ---- helpers

    private SessionId saveNew(SessionStore in, String principal) {
        SessionData session = in.newSession();
        assertThat(in.save(SessionChanges.to(session).set("a", encode("1")).principal(principal).build())).isTrue();
        return session.id();
    }

    /**
     * Creates and saves a session with these attribute values (encoded by the store's codec).
     *
     * @param attributes attribute values by name
     * @return the session as created (new)
     */
    protected final SessionData saveNew(Map<String, ?> attributes) {
        return saveNew(attributes, null);
    }

    /**
     * Creates and saves a session with these attribute values, for {@code principal}.
     *
     * @param attributes attribute values by name
     * @param principal the user the session belongs to, or null
     * @return the session as created (new)
     */
    protected final SessionData saveNew(Map<String, ?> attributes, String principal) {
        SessionData session = store.newSession();
        SessionChanges.Builder changes = SessionChanges.to(session);
        attributes.forEach((name, value) -> changes.set(name, encode(value)));
        if (principal != null) {
            changes.principal(principal);
        }
        assertThat(store.save(changes.build())).as("save of a new session").isTrue();
        return session;
    }

    /**
     * Loads a session that must be there.
     *
     * @param id a session id
     * @return the session
     */
    protected final SessionData load(SessionId id) {
        Optional<SessionData> loaded = store.load(id);
        assertThat(loaded).as("session %s", id).isPresent();
        return loaded.get();
    }

    /**
     * Encodes a value with the store's codec.
     *
     * @param value an attribute value
     * @return the encoded bytes
     */
    protected final byte[] encode(Object value) {
        return store.codec().encode(value);
    }

    /**
     * Decodes an attribute of a loaded session with the store's codec.
     *
     * @param session a loaded session
     * @param name the attribute's name
     * @return the decoded value
     */
    protected final Object decode(SessionData session, String name) {
        byte[] bytes = session.encodedAttribute(name)
                .orElseThrow(() -> new AssertionError("no attribute '" + name + "' in " + session));
        return store.codec().decode(bytes);
    }
}
