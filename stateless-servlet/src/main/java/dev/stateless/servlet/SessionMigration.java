package dev.stateless.servlet;

import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.SessionChanges;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one filter instance does with the container's own sessions during a migration
 * ({@link Migration}): adopting them, keeping a copy in them (write-through), handing sessions back.
 *
 * <p>A container session the filter dealt with carries a mark, the attribute {@link #MARK}: a list
 * of strings, [the filter's session id or "" (the session chose the container's side), the epoch of
 * the filter instance that last copied the filter's session into it or "", then the names of the
 * attributes the codec refused]. The epoch is new with every start of the filter: a mark of another
 * epoch says the filter was away (removed, or restarted) since the copy was made, so the container's
 * copy may be the newer one.
 */
final class SessionMigration {

    private static final Logger log = LoggerFactory.getLogger(SessionMigration.class);

    static final String MARK = "dev.stateless.servlet.StatelessSessionFilter.migration";

    private final Migration config;
    private final String epoch = UUID.randomUUID().toString();

    SessionMigration(Migration config) {
        this.config = config;
    }

    Migration config() {
        return config;
    }

    /** The mark of a container session, or null. */
    record Mark(String ours, String epoch, List<String> refused) {
        boolean containerSide() {
            return ours.isEmpty();
        }
    }

    static Mark mark(HttpSession container) {
        Object value;
        try {
            value = container == null ? null : container.getAttribute(MARK);
        } catch (IllegalStateException e) {
            return null;
        }
        if (value instanceof List<?> list && list.size() >= 2 && list.stream().allMatch(String.class::isInstance)) {
            @SuppressWarnings("unchecked")
            List<String> strings = (List<String>) list;
            return new Mark(strings.get(0), strings.get(1), List.copyOf(strings.subList(2, strings.size())));
        }
        return null;
    }

    private static void mark(HttpSession container, String ours, String epoch, Set<String> refused) {
        ArrayList<String> value = new ArrayList<>(); // Serializable, for containers that persist their sessions
        value.add(ours);
        value.add(epoch);
        value.addAll(refused);
        Containers.setQuietly(container, MARK, value);
    }

    /** A new container session starts on the container's side and stays there. */
    static void markContainerSide(HttpSession container) {
        mark(container, "", "", Set.of());
    }

    /** The container's session of the request behind the filter's wrapper, or null. */
    static HttpSession containerSession(HttpServletRequest original) {
        try {
            return original.getSession(false);
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** What an adoption copied, for ending the container's session once the copy is saved. */
    record Adoption(HttpSession container, Set<String> copied, Set<String> refused) {
    }

    /**
     * Copies the application's attributes of {@code container} into {@code ours}: through the codec,
     * so that what is adopted round-trips; what the codec refuses stays in the container's session,
     * logged, counted and kept readable through {@code ours} on this node. Nothing is taken out of
     * the container's session here: with {@code endAdopted}, {@link #end} does that once the
     * adopted session is saved.
     *
     * @throws IllegalStateException when the container's session ended meanwhile
     */
    Adoption adopt(HttpSession container, StatelessHttpSession ours) {
        Set<String> copied = new LinkedHashSet<>();
        Set<String> refused = new LinkedHashSet<>();
        for (String name : applicationAttributes(container)) {
            Object value = container.getAttribute(name);
            if (value == null) {
                continue;
            }
            try {
                ours.adopt(name, value);
                copied.add(name);
            } catch (AttributeCodecException | IllegalArgumentException | UnsupportedOperationException
                    | java.io.UncheckedIOException e) {
                // what the codec refuses, or a value whose own code fails while it is encoded
                refused.add(name);
                log.warn("Adopting a container session: attribute '{}' of type {} is refused by the codec and stays in "
                        + "the container's session of this node (readable there, not on other nodes): {}", name,
                        value.getClass().getName(), e.getMessage());
                config.refused(new Migration.RefusedAttribute(name, value.getClass().getName(), e.getMessage()));
            }
        }
        ours.keep(container, refused);
        config.adopted(copied.size());
        if (!config.endAdopted()) {
            mark(container, ours.getId(), config.writeThrough() ? epoch : "", refused);
        }
        log.debug("Adopted a container session: {} attributes copied, {} kept in the container", copied.size(), refused.size());
        return new Adoption(container, copied, refused);
    }

    /**
     * {@code endAdopted}, once the adopted session is saved: the copied values leave the container's
     * session, which is invalidated unless it still holds a container login or refused values.
     */
    void end(Adoption adoption, HttpServletRequest original) {
        if (!config.endAdopted()) {
            return;
        }
        HttpSession container = adoption.container();
        Set<String> copied = adoption.copied();
        Set<String> refused = adoption.refused();
        try {
            for (String name : copied) {
                Containers.setQuietly(container, name, null);
            }
            boolean containerState = Collections.list(container.getAttributeNames()).stream()
                    .anyMatch(Containers::isContainerAttribute);
            if (refused.isEmpty() && !containerState && original.getUserPrincipal() == null) {
                container.invalidate();
            } else if (!refused.isEmpty()) {
                mark(container, "", "", refused); // kept for what it still holds; read through our session
            }
        } catch (IllegalStateException e) {
            // ended meanwhile
        }
    }

    /**
     * Picks up a session of the filter where the request also has a container session: the refused
     * values kept there become readable, and a copy made by an earlier start of the filter (it was
     * removed and is back) is the newer state, adopted again.
     */
    void resume(HttpSession container, StatelessHttpSession ours) {
        Mark mark = mark(container);
        if (mark == null || !mark.ours().equals(ours.getId())) {
            return;
        }
        ours.keep(container, mark.refused());
        if (!mark.epoch().isEmpty() && !mark.epoch().equals(epoch)) {
            log.info("The container's copy of a session was made before the filter last started; it is adopted again");
            Set<String> inContainer = new LinkedHashSet<>(applicationAttributes(container));
            for (String name : Collections.list(ours.getAttributeNames())) {
                if (!inContainer.contains(name) && !mark.refused().contains(name)) {
                    ours.removeAttribute(name);
                }
            }
            adopt(container, ours);
        }
    }

    /**
     * Write-through: after a save, the container's session of this node gets what changed; a copy
     * that is not of this session and this start of the filter gets everything.
     *
     * @param changes what was saved, or null when nothing was
     */
    void mirror(HttpSession container, StatelessHttpSession ours, SessionChanges changes) {
        Mark mark = mark(container);
        Set<String> kept = ours.keptNames();
        boolean full = mark == null || !mark.ours().equals(ours.getId()) || !mark.epoch().equals(epoch);
        if (!full && changes == null) {
            return;
        }
        try {
            if (full) {
                Set<String> names = new LinkedHashSet<>(Collections.list(ours.getAttributeNames()));
                for (String name : names) {
                    if (!kept.contains(name)) {
                        Containers.setQuietly(container, name, ours.getAttribute(name));
                    }
                }
                for (String name : applicationAttributes(container)) {
                    if (!names.contains(name)) {
                        Containers.setQuietly(container, name, null);
                    }
                }
                mark(container, ours.getId(), epoch, kept);
            } else {
                for (String name : changes.set().keySet()) {
                    Containers.setQuietly(container, name, ours.getAttribute(name));
                }
                for (String name : changes.removed()) {
                    Containers.setQuietly(container, name, null);
                }
            }
        } catch (IllegalStateException e) {
            log.debug("The container's session ended while it was being written through");
        }
    }

    /** The rollback: whether the container's session holds a complete copy of the filter's session {@code id}. */
    static boolean mirrors(HttpSession container, String id) {
        Mark mark = mark(container);
        return mark != null && mark.ours().equals(id) && !mark.epoch().isEmpty();
    }

    /** After a rollback the container's session is the application's own again. */
    static void unmark(HttpSession container) {
        Containers.setQuietly(container, MARK, null);
    }

    private static List<String> applicationAttributes(HttpSession container) {
        return Collections.list(container.getAttributeNames()).stream()
                .filter(name -> !Containers.isContainerAttribute(name)).toList();
    }
}
