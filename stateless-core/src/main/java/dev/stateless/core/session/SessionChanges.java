package dev.stateless.core.session;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one unit of work changed in a session: attributes set (encoded) and removed, and optionally
 * a new idle timeout or principal. A store writes exactly this, so two requests that change
 * different attributes of one session at the same time lose neither change. Immutable.
 */
public final class SessionChanges {

    private final SessionData base;
    private final Map<String, byte[]> set;
    private final Set<String> removed;
    private final Duration idleTimeout;
    private final String principal;
    private final Map<String, Object> values;

    private SessionChanges(Builder b) {
        this.base = b.base;
        this.set = Collections.unmodifiableMap(new LinkedHashMap<>(b.set));
        this.values = b.values.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(b.values));
        this.removed = Collections.unmodifiableSet(new LinkedHashSet<>(b.removed));
        this.idleTimeout = b.idleTimeout;
        this.principal = b.principal;
    }

    /**
     * Starts the changes to {@code base}, the session as it was loaded (or created).
     *
     * @param base the session as the request loaded (or created) it
     * @return a builder of changes to {@code base}
     */
    public static Builder to(SessionData base) {
        return new Builder(base);
    }

    /**
     * The session as loaded; a new one is created by the save. When it carries a
     * {@linkplain SessionData#lockToken() lock token}, the save releases that lock.
     *
     * @return the session the changes apply to
     */
    public SessionData base() {
        return base;
    }

    /**
     * The id of the session the changes apply to.
     *
     * @return the base's id
     */
    public SessionId id() {
        return base.id();
    }

    /**
     * Attributes to write, encoded; arrays must not be modified.
     *
     * @return the encoded new values by name, read-only
     */
    public Map<String, byte[]> set() {
        return set;
    }

    /**
     * Of the attributes to write, the values given with their bytes ({@link Builder#set(String, byte[], Object)}):
     * immutable ones whose bytes decode back to an equal value. <b>Internal</b>: {@link SessionData#apply}
     * keeps them with the new copy's decoded values ({@link AttributeMemo}); it may change.
     *
     * @return the values by name, read-only
     */
    public Map<String, Object> values() {
        return values;
    }

    /**
     * The attributes to remove.
     *
     * @return the names, read-only
     */
    public Set<String> removed() {
        return removed;
    }

    /**
     * The new idle timeout, when the request changed it ({@code setMaxInactiveInterval}).
     *
     * @return the timeout, or empty when unchanged
     */
    public Optional<Duration> idleTimeout() {
        return Optional.ofNullable(idleTimeout);
    }

    /**
     * The principal to record, when the request set one (a login).
     *
     * @return the principal's name, or empty when unchanged
     */
    public Optional<String> principal() {
        return Optional.ofNullable(principal);
    }

    /**
     * True when saving would write nothing: the session exists and nothing changed.
     *
     * @return whether there is nothing to write
     */
    public boolean isEmpty() {
        return !base.isNew() && set.isEmpty() && removed.isEmpty() && idleTimeout == null && principal == null;
    }

    /** Collects changes. Not thread-safe. */
    public static final class Builder {
        private final SessionData base;
        private final Map<String, byte[]> set = new LinkedHashMap<>();
        private final Set<String> removed = new LinkedHashSet<>();
        private final Map<String, Object> values = new LinkedHashMap<>();
        private Duration idleTimeout;
        private String principal;

        private Builder(SessionData base) {
            this.base = Objects.requireNonNull(base, "base");
        }

        /**
         * Sets an attribute to an encoded value; a later {@link #remove} of the same name wins.
         *
         * @param name the attribute's name
         * @param encoded its value as the codec encoded it
         * @return this builder
         */
        public Builder set(String name, byte[] encoded) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(encoded, "encoded");
            removed.remove(name);
            set.put(name, encoded);
            values.remove(name);
            return this;
        }

        /**
         * As {@link #set(String, byte[])}, with the value {@code encoded} was made from. When the
         * value's type decodes back exactly ({@link PlainValues#decodesExactly}: strings, whole
         * numbers, booleans, characters, UUIDs), a copy of the session that keeps decoded values
         * (a near cache's, see {@link AttributeMemo}) keeps it, so that the next request it serves
         * does not decode it again; otherwise this is {@link #set(String, byte[])}. <b>Internal</b>:
         * for the servlet session, which knows the value; it may change.
         *
         * @param name the attribute's name
         * @param encoded the codec's encoding of {@code value}, not merged with anything
         * @param value the value the application set
         * @return this builder
         */
        public Builder set(String name, byte[] encoded, Object value) {
            set(name, encoded);
            if (PlainValues.decodesExactly(value)) {
                values.put(name, value);
            }
            return this;
        }

        /**
         * Removes an attribute; a later {@link #set} of the same name wins.
         *
         * @param name the attribute's name
         * @return this builder
         */
        public Builder remove(String name) {
            Objects.requireNonNull(name, "name");
            set.remove(name);
            values.remove(name);
            removed.add(name);
            return this;
        }

        /**
         * A new idle timeout for the session; {@link Duration#ZERO} means it never times out by
         * inactivity (it still ends at its absolute expiry).
         *
         * @param timeout zero or positive; zero for no idle expiry
         * @return this builder
         * @throws IllegalArgumentException when {@code timeout} is negative
         */
        public Builder idleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative, was " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * Records the user the session now belongs to.
         *
         * @param name the principal's name
         * @return this builder
         */
        public Builder principal(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("principal must not be empty");
            }
            this.principal = name;
            return this;
        }

        /**
         * The changes, fixed.
         *
         * @return the immutable changes
         */
        public SessionChanges build() {
            return new SessionChanges(this);
        }
    }
}
