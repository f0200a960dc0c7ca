package dev.stateless.servlet;

import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * How {@link StatelessSessionFilter} takes over a running service whose users have container
 * sessions, without logging anyone out: it adopts them ({@link Builder#adopt}), for the share of
 * clients the {@link Rollout} admits, and can keep a copy of each session in the container's own
 * ({@link Builder#writeThrough}) so that rolling back leaves everyone logged in. The README's
 * "Migrating a running service" gives the steps.
 *
 * <p>It also counts what happened, for dashboards and alerts ({@link #adoptedSessions()},
 * {@link #refusedAttributes()}, ...), and calls a hook for each attribute the codec refused. The
 * filter publishes the instance it uses in the servlet context attribute named after this class,
 * where the application (or a metrics binder) finds it; an application that puts its own instance
 * there before the filter starts configures a {@code web.xml} filter with it. Thread-safe.
 */
public final class Migration {

    /**
     * An attribute of a container session the codec refused at adoption: it stays in the container's
     * session on that node, where the application keeps seeing it; it does not travel to other nodes.
     *
     * @param name the attribute's name
     * @param type the class of its value
     * @param reason the codec's message
     */
    public record RefusedAttribute(String name, String type, String reason) {
    }

    private final boolean adopt;
    private final boolean endAdopted;
    private final boolean writeThrough;
    private final Rollout rollout;
    private final Consumer<RefusedAttribute> onRefused;
    private final LongAdder adoptedSessions = new LongAdder();
    private final LongAdder adoptedAttributes = new LongAdder();
    private final LongAdder refusedAttributes = new LongAdder();
    private final LongAdder returnedSessions = new LongAdder();

    private Migration(Builder builder) {
        this.adopt = builder.adopt;
        this.endAdopted = builder.endAdopted;
        this.writeThrough = builder.writeThrough;
        this.rollout = builder.rollout;
        this.onRefused = builder.onRefused;
    }

    /**
     * Starts a migration policy from the filter's default: adopt container sessions, for every client,
     * keeping no copy in the container.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Adoption on, every client, no copy kept in the container: the filter's default. */
    static Migration defaults() {
        return builder().build();
    }

    boolean adopt() {
        return adopt;
    }

    boolean endAdopted() {
        return endAdopted;
    }

    boolean writeThrough() {
        return writeThrough;
    }

    Rollout rollout() {
        return rollout;
    }

    /**
     * Container sessions taken over so far by this filter.
     *
     * @return the count since start
     */
    public long adoptedSessions() {
        return adoptedSessions.sum();
    }

    /**
     * Attributes copied from container sessions into sessions of the filter.
     *
     * @return the count since start
     */
    public long adoptedAttributes() {
        return adoptedAttributes.sum();
    }

    /**
     * Attributes the codec refused at adoption (kept in the container session of their node).
     *
     * @return the count since start
     */
    public long refusedAttributes() {
        return refusedAttributes.sum();
    }

    /**
     * Sessions of the filter handed back to the container by a rollback (rollout at 0 %).
     *
     * @return the count since start
     */
    public long returnedSessions() {
        return returnedSessions.sum();
    }

    void adopted(int attributes) {
        adoptedSessions.increment();
        adoptedAttributes.add(attributes);
    }

    void refused(RefusedAttribute refused) {
        refusedAttributes.increment();
        onRefused.accept(refused);
    }

    void returned() {
        returnedSessions.increment();
    }

    @Override
    public String toString() {
        return "adopt " + (adopt ? (endAdopted ? "on, ending the container's session" : "on") : "off")
                + ", rollout " + rollout + ", write-through " + (writeThrough ? "on" : "off");
    }

    /** Configures a {@link Migration}; {@link #build()} checks the options together. */
    public static final class Builder {
        private boolean adopt = true;
        private boolean endAdopted;
        private boolean writeThrough;
        private Rollout rollout = Rollout.all();
        private Consumer<RefusedAttribute> onRefused = refused -> { };

        private Builder() {
        }

        /**
         * Whether a request that carries a container session and no session of the filter has its
         * container session copied into a new session of the filter (default true): its attributes
         * go through the codec, the filter's cookie is set, the application goes on with the same
         * attributes. Attributes of the container itself ({@code org.apache.catalina.*},
         * {@code org.eclipse.jetty.*}: container login) stay where they are. Off: such a request gets
         * a new, empty session of the filter, as before there was adoption.
         *
         * @param adopt whether container sessions are taken over
         * @return this builder
         */
        public Builder adopt(boolean adopt) {
            this.adopt = adopt;
            return this;
        }

        /**
         * Whether an adopted container session is ended once copied (default false: it ends by its
         * own idle timeout). Ending removes the copied attributes from it at once, without the
         * application's listeners hearing of it, and invalidates it when nothing else is left in it:
         * a container session that holds a container login or values the codec refused is kept, so
         * that nobody is logged out. Not with {@link #writeThrough}, which needs it.
         *
         * @param end whether an adopted container session is invalidated
         * @return this builder
         */
        public Builder endAdopted(boolean end) {
            this.endAdopted = end;
            return this;
        }

        /**
         * Keeps every session's attributes in the container's own session of the node that served
         * the request as well (default false), so that removing the filter, or the rollout at 0 %,
         * leaves users with their session on the node they are on. Costs what container sessions
         * cost before the migration (each node's memory holds the sessions it serves) plus, per
         * request that changes the session, one in-memory write per changed attribute (the same
         * object, not a copy); the first request of a session on a node writes all its attributes. Needs a sticky load balancer, as
         * container sessions do. Turn it off once nobody will roll back.
         *
         * @param writeThrough whether the container session keeps a copy (for a rollback)
         * @return this builder
         */
        public Builder writeThrough(boolean writeThrough) {
            this.writeThrough = writeThrough;
            return this;
        }

        /**
         * Which clients the filter serves (default {@link Rollout#all()}).
         *
         * @param rollout which requests use the stateless session
         * @return this builder
         */
        public Builder rollout(Rollout rollout) {
            this.rollout = Objects.requireNonNull(rollout, "rollout");
            return this;
        }

        /**
         * Called for each attribute the codec refused at adoption, after the filter logged it
         * (a WARN naming the attribute and its type) and counted it ({@link #refusedAttributes()}).
         *
         * @param hook called for each attribute the codec refused
         * @return this builder
         */
        public Builder onRefused(Consumer<RefusedAttribute> hook) {
            this.onRefused = Objects.requireNonNull(hook, "onRefused");
            return this;
        }

        /**
         * @return the migration policy, immutable
         * @throws IllegalArgumentException for {@code endAdopted} with {@code writeThrough}, or
         *     {@code endAdopted} without {@code adopt}
         */
        public Migration build() {
            if (endAdopted && writeThrough) {
                throw new IllegalArgumentException("end-adopted and write-through exclude each other: "
                        + "write-through keeps the container's session as the copy to roll back to");
            }
            if (endAdopted && !adopt) {
                throw new IllegalArgumentException("end-adopted needs adopt");
            }
            return new Migration(this);
        }
    }
}
