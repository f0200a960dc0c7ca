package dev.stateless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stateless.core.token.RevocationList;
import dev.stateless.core.token.VerifiedToken;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RevocationList} must do, run by each implementation's test: a token is named by
 * its issuer and id, a token without an id is refused, and a revocation lasts as long as a verifier
 * would otherwise accept the token (its expiry plus the clock skew), then ends by itself.
 *
 * <p>A subclass builds its list in {@link #createList} on the given {@link MutableClock} and lets
 * time pass in {@link #passTime}: by advancing the clock, and for a list whose entries expire on its
 * server's time (Redis), by sleeping as well ({@link #sleepAndAdvance}). Expiry scenarios therefore
 * use lifetimes of a second.
 * Each test gets a fresh clock and list, with fresh random token ids, so a list over a shared server
 * needs no flush; lists opened through {@link #open} are closed after each test.
 */
public abstract class RevocationListContract {

    /** Long enough that nothing expires during a test that does not pass time on purpose. */
    protected static final Duration LIFETIME = Duration.ofMinutes(15);
    /** The clock skew the contract's revocations are made with. */
    protected static final Duration SKEW = Duration.ofSeconds(60);

    /** The clock of the test's lists, which {@link #passTime} moves. */
    protected MutableClock clock;
    /** The list each test starts with. */
    protected RevocationList list;
    private final List<RevocationList> opened = new ArrayList<>();

    /**
     * A list whose entries' lifetimes are computed on {@code clock}.
     *
     * @param clock the clock the test moves
     * @return the list; the contract closes it
     */
    protected abstract RevocationList createList(MutableClock clock);

    /**
     * Lets {@code duration} pass for the lists of this test (advance {@link #clock}; sleep too if they need
     * it).
     *
     * @param duration how much time passes
     */
    protected abstract void passTime(Duration duration);

    // protected final: a subclass in another package cannot shadow these by accident
    /** Opens {@link #list} on a new clock before each test. */
    @BeforeEach
    protected final void openDefaultList() {
        clock = MutableClock.startingNow();
        list = open();
    }

    /**
     * Closes every list the test opened.
     *
     * @throws Exception what a list's {@code close()} threw
     */
    @AfterEach
    protected final void closeLists() throws Exception {
        for (RevocationList created : opened) {
            created.close();
        }
        opened.clear();
    }

    /**
     * Another list on the test's clock, closed after the test.
     *
     * @return the list
     */
    protected final RevocationList open() {
        RevocationList created = createList(clock);
        opened.add(created);
        return created;
    }

    /**
     * Sleeps for {@code duration}, then advances {@link #clock} by it: {@link #passTime} for a list
     * whose entries expire on its server's time.
     *
     * @param duration how much time passes
     */
    protected final void sleepAndAdvance(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while passing time", e);
        }
        clock.advance(duration);
    }

    /**
     * A token of {@link Tokens#ISSUER} with a fresh random id, valid for {@link #LIFETIME}.
     *
     * @return the token
     */
    protected final VerifiedToken newToken() {
        return Tokens.withId(UUID.randomUUID().toString(), clock.instant().plus(LIFETIME));
    }

    @Test
    void aRevokedTokenIsRevokedAndAnotherIsNot() {
        VerifiedToken token = newToken();
        assertThat(list.isRevoked(token)).isFalse();

        list.revoke(token, SKEW);

        assertThat(list.isRevoked(token)).isTrue();
        assertThat(list.isRevoked(newToken())).isFalse();
    }

    @Test
    void aTokenIsNamedByItsIssuerAndItsId() {
        String jti = UUID.randomUUID().toString();
        Instant exp = clock.instant().plus(LIFETIME);
        list.revoke(Tokens.token("https://a.example", jti, exp), SKEW);

        assertThat(list.isRevoked(Tokens.token("https://a.example", jti, exp.plusSeconds(1))))
                .as("the same issuer and id").isTrue();
        assertThat(list.isRevoked(Tokens.token("https://b.example", jti, exp))).as("another issuer's id").isFalse();
        assertThat(list.isRevoked(Tokens.token(null, jti, exp))).as("no issuer").isFalse();
        assertThat(list.isRevoked(Tokens.token("https://a.example", null, exp))).as("no id").isFalse();
    }

    @Test
    void aTokenWithoutIdCannotBeRevoked() {
        assertThatThrownBy(() -> list.revoke(Tokens.token(Tokens.ISSUER, null, clock.instant().plus(LIFETIME)), SKEW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jti");
    }

    @Test
    void aNegativeClockSkewIsRefused() {
        assertThatThrownBy(() -> list.revoke(newToken(), Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clockSkew");
        assertThatThrownBy(() -> list.revoke(newToken(), null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void revokingTwiceIsHarmless() {
        VerifiedToken token = newToken();

        list.revoke(token, SKEW);
        list.revoke(token, SKEW);

        assertThat(list.isRevoked(token)).isTrue();
    }

    /** Issue 11 item 8: a verifier accepts a token until exp + skew, so the revocation must last that long. */
    @Test
    void aRevocationLastsPastTheTokensExpiryForTheSkewAndThenEnds() {
        VerifiedToken token = Tokens.withId(UUID.randomUUID().toString(), clock.instant().plusSeconds(1));
        list.revoke(token, Duration.ofSeconds(2));

        passTime(Duration.ofMillis(1500));
        assertThat(list.isRevoked(token)).as("past exp, within the skew").isTrue();

        passTime(Duration.ofSeconds(3));
        assertThat(list.isRevoked(token)).as("past exp + skew: a verifier refuses it anyway").isFalse();
    }

    @Test
    void aTokenAlreadyPastItsExpiryAndSkewIsNotKept() {
        VerifiedToken token = Tokens.withId(UUID.randomUUID().toString(), clock.instant().minus(SKEW).minusSeconds(1));

        list.revoke(token, SKEW);

        assertThat(list.isRevoked(token)).isFalse();
    }

    @Test
    void aTokenWithoutExpiryStaysRevoked() {
        VerifiedToken token = Tokens.withId(UUID.randomUUID().toString(), null);

        list.revoke(token, SKEW);
        passTime(Duration.ofMillis(100));

        assertThat(list.isRevoked(token)).isTrue();
    }
}
