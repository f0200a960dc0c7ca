package dev.stateless.servlet;

import dev.stateless.core.session.AttributeCodec;
import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.AttributeMemo;
import dev.stateless.core.session.PlainValues;
import dev.stateless.core.session.SessionChanges;
import dev.stateless.core.session.SessionData;
import dev.stateless.core.session.SessionId;
import dev.stateless.core.session.SessionStore;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpSession;
import jakarta.servlet.http.HttpSessionBindingEvent;
import jakarta.servlet.http.HttpSessionBindingListener;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link HttpSession} an application sees: a view of a stored session that records what the
 * request changes. Values are decoded lazily, when first read; at save time every value the request
 * touched is checked for in-place changes, so that they are saved: a plain value (the JDK's own
 * collections of strings and numbers, see {@link PlainValues}) against a copy taken when it was
 * read, any other by encoding it again and comparing the bytes with what was loaded.
 */
final class StatelessHttpSession implements HttpSession {

    private static final Logger log = LoggerFactory.getLogger(StatelessHttpSession.class);

    private final SessionStore store;
    private final AttributeCodec codec;
    private final ServletContext context;
    private final SessionEvents events;
    private final Runnable afterInvalidate;
    private SessionData base;
    /** Values the request has read or set, by name. */
    private final Map<String, Object> touched = new HashMap<>();
    /**
     * Copies of decoded {@linkplain PlainValues plain} values, taken when they were read: compared
     * at save time instead of encoding the value again. Only for values read from the stored session
     * since it was loaded or last saved (never for a value the request set).
     */
    private final Map<String, Object> asRead = new HashMap<>();
    /** Encodings made by setAttribute, reused at save time for values that cannot change. */
    private final Map<String, byte[]> encodedOnSet = new HashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();
    /** Attributes set to another object than the one loaded: nothing of the stored value is merged into them. */
    private final Set<String> replaced = new HashSet<>();
    /** Stored attributes this node cannot decode: hidden from the application, left in the store. */
    private final Set<String> unreadable = new HashSet<>();
    /**
     * Values the codec refused when a container session was adopted: they stay in the container's
     * session of this node ({@code keptIn}), where the application keeps reading them.
     */
    private final Set<String> keptNames = new LinkedHashSet<>();
    private HttpSession keptIn;
    private Duration newIdleTimeout;
    /** What the application passed to setMaxInactiveInterval, read back as it was given. */
    private Integer requestedInterval;
    private boolean invalid;
    private boolean invalidating;
    private final boolean createdByThisRequest;

    /**
     * @param afterInvalidate runs once the session is invalidated (ends the container's own
     *     session of the request, so that container login ends with it)
     */
    StatelessHttpSession(SessionStore store, SessionData base, ServletContext context, SessionEvents events,
            Runnable afterInvalidate) {
        this.store = store;
        this.codec = store.codec();
        this.base = base;
        this.context = context;
        this.events = events;
        this.afterInvalidate = afterInvalidate;
        this.createdByThisRequest = base.isNew();
    }

    /** The version of the stored session this view stands on (0: never saved). */
    synchronized long version() {
        return base.version();
    }

    SessionId sessionId() {
        return base.id();
    }

    synchronized boolean isInvalid() {
        return invalid;
    }

    @Override
    public synchronized long getCreationTime() {
        checkValid("getCreationTime");
        return base.createdAt().toEpochMilli();
    }

    @Override
    public String getId() {
        return base.id().value();
    }

    @Override
    public synchronized long getLastAccessedTime() {
        checkValid("getLastAccessedTime");
        return base.lastAccessedAt().toEpochMilli();
    }

    @Override
    public ServletContext getServletContext() {
        return context;
    }

    @Override
    public synchronized void setMaxInactiveInterval(int interval) {
        checkValid("setMaxInactiveInterval");
        // Zero or less: never times out by inactivity (the absolute timeout still ends it).
        newIdleTimeout = interval > 0 ? Duration.ofSeconds(interval) : Duration.ZERO;
        requestedInterval = interval;
    }

    /** The idle timeout a new session starts with (the application's session-timeout). */
    synchronized void initialIdleTimeout(Duration idle) {
        if (requestedInterval == null) {
            newIdleTimeout = idle;
        }
    }

    @Override
    public synchronized int getMaxInactiveInterval() {
        if (requestedInterval != null) {
            return requestedInterval;
        }
        Duration idle = newIdleTimeout != null ? newIdleTimeout : base.idleTimeout();
        return idle.isZero() ? -1 : (int) Math.min(Integer.MAX_VALUE, idle.getSeconds());
    }

    @Override
    public synchronized Object getAttribute(String name) {
        checkValid("getAttribute");
        if (name == null || removed.contains(name) || unreadable.contains(name)) {
            return null;
        }
        Object value = touched.get(name);
        if (value != null) {
            return value;
        }
        Optional<byte[]> encoded = base.encodedAttribute(name);
        if (encoded.isEmpty()) {
            return keptNames.contains(name) ? kept(name) : null;
        }
        AttributeMemo memo = base.memo().filter(m -> m.decodes(codec)).orElse(null);
        Object kept = memo == null ? null : memo.get(name);
        if (kept != null) {
            // decoded by an earlier request from the same stored bytes, never handed out: a copy
            value = PlainValues.immutable(kept) ? kept : PlainValues.copy(kept);
            if (value != null) {
                if (value != kept) {
                    asRead.put(name, kept);
                }
                touched.put(name, value);
                return value;
            }
        }
        try {
            value = codec.decode(encoded.get());
        } catch (AttributeCodecException e) {
            // Corrupt data, or a value of a class this version of the application cannot read (a
            // rolling update): the request goes on without it, and the stored bytes stay for the
            // nodes that can read them, until the application sets or removes the attribute.
            log.warn("Session attribute '{}' cannot be decoded and is hidden from this request: {}", name, e.getMessage());
            unreadable.add(name);
            return null;
        }
        touched.put(name, value);
        if (PlainValues.immutable(value)) {
            if (memo != null) {
                memo.offer(name, value);
            }
        } else {
            Object copy = PlainValues.copy(value);
            if (copy != null) {
                asRead.put(name, copy);
                if (memo != null) {
                    memo.offer(name, copy); // safe to share: asRead's copies are only read, never changed
                }
            }
        }
        return value;
    }

    @Override
    public synchronized Enumeration<String> getAttributeNames() {
        checkValid("getAttributeNames");
        Set<String> names = new LinkedHashSet<>(base.attributeNames());
        names.addAll(touched.keySet());
        for (String name : keptNames) {
            if (kept(name) != null) {
                names.add(name);
            }
        }
        names.removeAll(removed);
        names.removeAll(unreadable);
        return Collections.enumeration(names);
    }

    @Override
    public void setAttribute(String name, Object value) {
        if (name == null) {
            throw new IllegalArgumentException("attribute name must not be null");
        }
        if (value == null) {
            removeAttribute(name);
            return;
        }
        Object old;
        byte[] encoded;
        synchronized (this) {
            checkValid("setAttribute");
            try {
                encoded = codec.encode(value);
            } catch (AttributeCodecException e) {
                if (!keptNames.contains(name)) {
                    throw new AttributeCodecException(e.reason(), "session attribute '" + name + "': " + e.getMessage(), e);
                }
                encoded = null; // an adopted value the codec refuses: it stays in the container's session
            }
            old = getAttribute(name);
        }
        // As the Servlet spec asks: bound before it can be seen, unbound after it is gone.
        if (old != value && value instanceof HttpSessionBindingListener listener) {
            listener.valueBound(new HttpSessionBindingEvent(this, name, value));
        }
        synchronized (this) {
            checkValid("setAttribute");
            if (encoded == null) {
                Containers.setQuietly(keptIn, name, value);
                log.debug("Session attribute '{}' ({}) stays in the container's session of this node", name,
                        value.getClass().getName());
            } else {
                recordSet(name, value, encoded, old);
            }
        }
        if (old != null && old != value && old instanceof HttpSessionBindingListener listener) {
            listener.valueUnbound(new HttpSessionBindingEvent(this, name, old));
        }
        if (old == null) {
            events.added(this, name, value);
        } else {
            events.replaced(this, name, old);
        }
    }

    /** What {@code setAttribute} of a value the codec takes changes; under the lock. */
    private void recordSet(String name, Object value, byte[] encoded, Object old) {
        touched.put(name, value);
        encodedOnSet.put(name, encoded);
        asRead.remove(name);
        removed.remove(name);
        if (old != value) {
            replaced.add(name);
        }
        unreadable.remove(name);
        if (keptNames.remove(name) && kept(name) != null) {
            Containers.setQuietly(keptIn, name, null); // it travels now
        }
    }

    @Override
    public void removeAttribute(String name) {
        Object old;
        synchronized (this) {
            checkValid("removeAttribute");
            if (name == null) {
                return;
            }
            old = getAttribute(name);
            if (old == null) {
                if (unreadable.remove(name)) {
                    removed.add(name); // this node cannot read it, but the application means it gone
                }
                return;
            }
            if (keptNames.remove(name) && base.encodedAttribute(name).isEmpty() && !touched.containsKey(name)) {
                removeKept(name);
            }
            touched.remove(name);
            encodedOnSet.remove(name);
            asRead.remove(name);
            removed.add(name);
        }
        if (old instanceof HttpSessionBindingListener listener) {
            listener.valueUnbound(new HttpSessionBindingEvent(this, name, old));
        }
        events.removed(this, name, old);
    }

    @Override
    public void invalidate() {
        synchronized (this) {
            checkValid("invalidate");
            if (invalidating) {
                throw new IllegalStateException("invalidate: the session is being invalidated");
            }
            invalidating = true;
        }
        try {
            // As a container does: listeners see the session still whole, then every value is unbound.
            events.destroyed(this);
            for (String name : Collections.list(getAttributeNames())) {
                removeAttribute(name);
            }
        } finally {
            synchronized (this) {
                invalid = true;
            }
        }
        try {
            if (!base.isNew()) {
                store.delete(base.id());
            }
        } finally {
            afterInvalidate.run();
        }
    }

    @Override
    public synchronized boolean isNew() {
        checkValid("isNew");
        return createdByThisRequest;
    }

    private void checkValid(String method) {
        if (invalid) {
            throw new IllegalStateException(method + ": the session has been invalidated");
        }
    }

    /** Adopts a container session's value: it becomes this session's, with no event (the application had it already). */
    synchronized void adopt(String name, Object value) {
        byte[] encoded = codec.encode(value); // AttributeCodecException: the caller keeps it in the container
        touched.put(name, value);
        encodedOnSet.put(name, encoded);
        asRead.remove(name);
        replaced.add(name);
    }

    /** Values refused at adoption, to be read from the container's session of this node. */
    synchronized void keep(HttpSession container, java.util.Collection<String> names) {
        keptIn = container;
        keptNames.addAll(names);
    }

    /** The names of the refused values still held in the container's session (not the filter's). */
    synchronized Set<String> keptNames() {
        Set<String> names = new LinkedHashSet<>();
        for (String name : keptNames) {
            if (kept(name) != null) {
                names.add(name);
            }
        }
        return names;
    }

    private Object kept(String name) {
        try {
            return keptIn == null ? null : keptIn.getAttribute(name);
        } catch (IllegalStateException e) {
            return null; // the container's session ended
        }
    }

    private void removeKept(String name) {
        try {
            Containers.setQuietly(keptIn, name, null);
        } catch (IllegalStateException e) {
            // the container's session ended
        }
    }

    /**
     * The id changed (session fixation protection). {@code stillStored} tells whether the store
     * moved the stored session; if it had vanished meanwhile, what this request sees is written
     * anew under the new id.
     */
    synchronized void changeId(SessionId newId, boolean stillStored) {
        if (base.isNew() || stillStored) {
            base = base.withId(newId);
            return;
        }
        // The stored session ended meanwhile (invalidated by another request, or expired): nothing of
        // it may come back under the new id. The request goes on with a new, empty session.
        touched.clear();
        encodedOnSet.clear();
        asRead.clear();
        removed.clear();
        replaced.clear();
        unreadable.clear();
        base = store.newSession().withId(newId);
    }

    /**
     * What this request changed since the last save, or empty. Encodes every touched value again
     * and keeps it only when the bytes differ from what was loaded.
     */
    synchronized Optional<SessionChanges> changes(Optional<String> principal) {
        if (invalid) {
            return Optional.empty();
        }
        SessionChanges.Builder changes = SessionChanges.to(base);
        for (Map.Entry<String, Object> entry : touched.entrySet()) {
            String name = entry.getKey();
            Object value = entry.getValue();
            byte[] encoded = encodedOnSet.get(name);
            if (encoded == null || !PlainValues.immutable(value)) {
                if (encoded == null && PlainValues.immutable(value)) {
                    continue; // read, and it cannot have changed
                }
                if (encoded == null && asRead.containsKey(name) && PlainValues.same(value, asRead.get(name))) {
                    continue; // read, and still what was read
                }
                try {
                    encoded = codec.encode(value);
                } catch (AttributeCodecException e) {
                    // Never dropped quietly: the request fails, and the stored value stays as it was.
                    throw new AttributeCodecException(e.reason(), "session attribute '" + name
                            + "' was changed in place to something the codec refuses: " + e.getMessage(), e);
                }
            }
            byte[] loaded = base.encodedAttribute(name).orElse(null);
            if (loaded == null || replaced.contains(name)) {
                if (loaded == null || !Arrays.equals(loaded, encoded)) {
                    changes.set(name, encoded, value);
                }
            } else if (!Arrays.equals(loaded, encoded)) {
                keepWhatThisNodeCannotRead(changes, name, value, loaded, encoded);
            }
        }
        for (String name : removed) {
            if (base.encodedAttribute(name).isPresent()) {
                changes.remove(name);
            }
        }
        if (newIdleTimeout != null && !newIdleTimeout.equals(base.idleTimeout())) {
            changes.idleTimeout(newIdleTimeout);
        }
        principal.filter(p -> !base.principal().equals(Optional.of(p))).ifPresent(changes::principal);
        SessionChanges built = changes.build();
        return built.isEmpty() ? Optional.empty() : Optional.of(built);
    }

    /**
     * A value loaded and re-encoded to other bytes: changed by this request, or written by another
     * version of the application with fields this node does not know (a rolling update). This node's
     * encoding of the value as it was loaded tells them apart: the same as now means this request
     * changed nothing and the stored bytes stay as they are; otherwise the codec merges what only
     * the stored bytes hold back into the new ones (JSON; Java serialization cannot).
     */
    private void keepWhatThisNodeCannotRead(SessionChanges.Builder changes, String name, Object value, byte[] loaded,
            byte[] encoded) {
        byte[] asLoaded;
        try {
            asLoaded = codec.encode(codec.decode(loaded));
        } catch (AttributeCodecException e) {
            changes.set(name, encoded); // decoded once already; should it not again, the new value wins
            return;
        }
        if (Arrays.equals(asLoaded, encoded)) {
            return;
        }
        if (Arrays.equals(asLoaded, loaded)) {
            changes.set(name, encoded, value);
        } else {
            changes.set(name, codec.merge(loaded, asLoaded, encoded));
        }
    }

    /** Whether the session is stored and no principal was recorded for it yet. */
    synchronized boolean storedWithoutOwner() {
        return !invalid && !base.isNew() && base.principal().isEmpty();
    }

    /** Releases the session's lock, if this request holds it, without writing anything. */
    void unlock() {
        SessionData locked;
        synchronized (this) {
            locked = base;
            if (locked.lockToken().isEmpty()) {
                return;
            }
            base = locked.withId(locked.id()); // the same session, holding no lock
        }
        store.unlock(locked);
    }

    /**
     * The changes were saved: they become the new baseline, at the version the store answered.
     *
     * @param version the session's version after the save
     */
    synchronized void saved(SessionChanges changes, long version) {
        base = base.apply(changes, version);
        encodedOnSet.clear();
        // The saved values moved the baseline: a change back to what was read must show as a change,
        // so their copies go (the next check encodes them). The others' copies still stand for bytes
        // that did not change, so a second save in the request (at commit, then at its end) skips them.
        changes.set().keySet().forEach(asRead::remove);
        changes.removed().forEach(asRead::remove);
        removed.clear();
        replaced.clear();
        newIdleTimeout = null;
        // requestedInterval stays: getMaxInactiveInterval reads back what the application set
    }

    /** The stored session is gone (expired, or invalidated by another request): nothing more is saved. */
    synchronized void lost() {
        invalid = true;
    }
}
