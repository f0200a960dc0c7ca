package dev.stateless.servlet;

import dev.stateless.core.session.AttributeCodecException;
import dev.stateless.core.session.SessionChanges;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
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
 * the filter instance that wrote the mark, "copy" when that filter keeps a complete copy of the
 * session there (write-through) or "", then the names of the attributes the codec refused]. The
 * epoch is new with every start of the filter: a mark of another epoch says the filter was away
 * (removed, or restarted) since, so what the container's session holds may be newer than Redis.
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
    record Mark(String ours, String epoch, boolean copy, List<String> refused) {
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
        if (value instanceof List<?> list && list.size() >= 3 && list.stream().allMatch(String.class::isInstance)) {
            @SuppressWarnings("unchecked")
            List<String> strings = (List<String>) list;
            return new Mark(strings.get(0), strings.get(1), strings.get(2).equals("copy"),
                    List.copyOf(strings.subList(3, strings.size())));
        }
        return null;
    }

    private void mark(HttpSession container, String ours, boolean copy, java.util.Collection<String> refused) {
        ArrayList<String> value = new ArrayList<>(); // Serializable, for containers that persist their sessions
        value.add(ours);
        value.add(epoch);
        value.add(copy ? "copy" : "");
        value.addAll(refused);
        Containers.setQuietly(container, MARK, value);
    }

    /** A new container session starts on the container's side and stays there. */
    void markContainerSide(HttpSession container) {
        mark(container, "", false, Set.of());
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
     * logged, counted and kept readable through {@code ours} on this node. Nothing is written to
     * the container's session here: {@link #saved} marks it (or ends it) once the adopted session is
     * stored, so that an adoption whose save fails is tried again at the next request.
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
        log.debug("Adopted a container session: {} attributes copied, {} kept in the container", copied.size(), refused.size());
        return new Adoption(container, copied, refused);
    }

    /**
     * The adopted session is stored: the container's session is marked as adopted into it (so that
     * it is never adopted a second time, and its refused values stay readable), or, with
     * {@code endAdopted}, loses the copied values and is invalidated unless it still holds a
     * container login or refused values.
     */
    void saved(Adoption adoption, StatelessHttpSession ours, HttpServletRequest original) {
        HttpSession container = adoption.container();
        Set<String> refused = adoption.refused();
        try {
            if (!config.endAdopted()) {
                mark(container, ours.getId(), false, refused); // the copy is made by write-through
                return;
            }
            for (String name : adoption.copied()) {
                Containers.setQuietly(container, name, null);
            }
            boolean containerState = Collections.list(container.getAttributeNames()).stream()
                    .anyMatch(name -> Containers.isContainerAttribute(name) && !name.equals(MARK));
            if (refused.isEmpty() && !containerState && original.getUserPrincipal() == null) {
                container.invalidate();
            } else {
                mark(container, ours.getId(), false, refused); // kept for what it still holds
            }
        } catch (IllegalStateException e) {
            // ended meanwhile
        }
    }

    /**
     * Whether this start of the filter adopted a container session already, into a session of ours
     * that has ended since (logged off, expired): it is not adopted a second time. A container
     * session adopted by an earlier start may hold what the user did while the filter was away.
     */
    boolean adoptedBefore(HttpSession container) {
        Mark mark = mark(container);
        return mark != null && !mark.containerSide() && mark.epoch().equals(epoch);
    }

    /** A session of ours changed its id: the container's mark follows it. */
    void renamed(HttpSession container, String oldId, String newId) {
        Mark mark = mark(container);
        if (mark != null && mark.ours().equals(oldId)) {
            try {
                mark(container, newId, mark.copy() && mark.epoch().equals(epoch), mark.refused());
            } catch (IllegalStateException e) {
                // ended meanwhile
            }
        }
    }

    /**
     * Picks up a session of the filter where the request also has a container session: the refused
     * values kept there become readable, and a copy made by an earlier start of the filter (it was
     * removed and is back) is the newer state, adopted again.
     *
     * @return the adoption again, to be marked once saved ({@link #saved})
     */
    Optional<Adoption> resume(HttpSession container, StatelessHttpSession ours) {
        Mark mark = mark(container);
        if (mark == null || !mark.ours().equals(ours.getId())) {
            return Optional.empty();
        }
        ours.keep(container, mark.refused());
        if (mark.copy() && !mark.epoch().equals(epoch)) {
            log.info("The container's copy of a session was made before the filter last started; it is adopted again");
            Set<String> inContainer = new LinkedHashSet<>(applicationAttributes(container));
            for (String name : Collections.list(ours.getAttributeNames())) {
                if (!inContainer.contains(name) && !mark.refused().contains(name)) {
                    ours.removeAttribute(name);
                }
            }
            return Optional.of(adopt(container, ours));
        }
        return Optional.empty();
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
        boolean full = mark == null || !mark.ours().equals(ours.getId()) || !mark.copy() || !mark.epoch().equals(epoch);
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
                mark(container, ours.getId(), true, kept);
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
        return mark != null && mark.ours().equals(id) && mark.copy();
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
