package dev.stateless.core.session;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decoded values of one stored copy of a session, kept with it so that the requests a near cache
 * serves from that copy skip decoding: an immutable value ({@link PlainValues#immutable}) is handed
 * out as it is, a {@linkplain PlainValues plain} one as a fresh copy. What is kept here is never
 * handed out, so no request's change can reach another. Values of other types are not kept (every
 * request decodes its own).
 *
 * <p>Bounded: values are kept while their estimated heap ({@link PlainValues#footprint}) fits the
 * copy's budget; the near cache counts what they take in the copy's weight, weighing the copy
 * again each time a value is kept. Valid only for the codec that decoded them and for
 * the stored bytes of the copy it belongs to ({@link SessionData#apply} carries the values of the
 * attributes a save left as they were). <b>Internal</b>: used by the Redis store's near cache and
 * the servlet session; it may change. Thread-safe.
 */
public final class AttributeMemo {

    private record Kept(Object value, long footprint) {
    }

    private final AttributeCodec codec;
    private final long budget;
    /** Runs after a value was kept (the near cache weighs the copy again); may be a no-op. */
    private final Runnable grown;
    private final ConcurrentHashMap<String, Kept> values = new ConcurrentHashMap<>();
    private final AtomicLong used = new AtomicLong();

    /**
     * @param codec the codec whose decoded values this keeps
     * @param budget the most heap, in estimated bytes, its values may take
     */
    public AttributeMemo(AttributeCodec codec, long budget) {
        this(codec, budget, () -> { });
    }

    /**
     * @param codec the codec whose decoded values this keeps
     * @param budget the most heap, in estimated bytes, its values may take
     * @param grown runs after each value kept (outside any lock of this memo)
     */
    public AttributeMemo(AttributeCodec codec, long budget, Runnable grown) {
        this.codec = Objects.requireNonNull(codec, "codec");
        this.budget = Math.max(0, budget);
        this.grown = Objects.requireNonNull(grown, "grown");
    }

    /**
     * Whether this keeps values decoded by {@code codec}.
     *
     * @param codec the caller's codec
     * @return whether they are the same codec
     */
    public boolean decodes(AttributeCodec codec) {
        return this.codec == codec;
    }

    /**
     * The kept value of attribute {@code name}, or null. Never to be changed or handed to an
     * application: copy it ({@link PlainValues#copy}) unless it is immutable.
     *
     * @param name the attribute's name
     * @return the kept value, or null
     */
    public Object get(String name) {
        Kept kept = values.get(name);
        return kept == null ? null : kept.value();
    }

    /**
     * Keeps {@code value}, decoded from the copy's bytes of attribute {@code name} and never to be
     * changed after this call, if it is immutable or plain and fits the budget.
     *
     * @param name the attribute's name
     * @param value the decoded value (an immutable value, or a plain copy nobody else holds)
     */
    public void offer(String name, Object value) {
        long footprint = PlainValues.footprint(value);
        if (footprint < 0 || values.containsKey(name)) {
            return; // not plain, or kept already
        }
        if (used.addAndGet(footprint) > budget) {
            used.addAndGet(-footprint);
            return;
        }
        if (values.putIfAbsent(name, new Kept(value, footprint)) != null) {
            used.addAndGet(-footprint);
            return;
        }
        grown.run();
    }

    /**
     * The values of this memo that a save left as they were, in a memo of {@code budget}.
     *
     * @param changed names of the attributes the save set or removed
     * @param budget the new copy's budget
     * @return the new copy's memo
     */
    public AttributeMemo carried(Set<String> changed, long budget) {
        return carried(changed, budget, () -> { });
    }

    /**
     * As {@link #carried(Set, long)}, with a listener of its own.
     *
     * @param changed names of the attributes the save set or removed
     * @param budget the new copy's budget
     * @param grown runs after each value the new memo keeps
     * @return the new copy's memo
     */
    public AttributeMemo carried(Set<String> changed, long budget, Runnable grown) {
        AttributeMemo carried = new AttributeMemo(codec, budget, grown);
        values.forEach((name, kept) -> {
            if (!changed.contains(name) && carried.used.get() + kept.footprint() <= carried.budget) {
                carried.values.put(name, kept);
                carried.used.addAndGet(kept.footprint());
            }
        });
        return carried;
    }

    /**
     * The most heap, in estimated bytes, its values may take.
     *
     * @return the budget
     */
    public long budgetBytes() {
        return budget;
    }

    /**
     * For tests and metrics: the estimated heap of the values kept.
     *
     * @return estimated bytes
     */
    public long usedBytes() {
        return used.get();
    }

    /**
     * For tests: how many values are kept.
     *
     * @return the number of values
     */
    public int size() {
        return values.size();
    }
}
