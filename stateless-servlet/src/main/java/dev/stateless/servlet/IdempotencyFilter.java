package dev.stateless.servlet;

import dev.stateless.core.StatelessException;
import dev.stateless.core.StoreUnavailableException;
import dev.stateless.core.idempotency.Idempotency;
import dev.stateless.core.idempotency.IdempotencyException;
import dev.stateless.core.idempotency.IdempotencyKeyStore;
import dev.stateless.core.idempotency.IdempotencyKeyStores;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Principal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes retried writes run once: a request with an {@code Idempotency-Key} header runs the first
 * time; a repeat with the same key and the same request gets the first answer again, byte for
 * byte, with {@code Idempotent-Replayed: true}. Follows the IETF HTTPAPI draft "The
 * Idempotency-Key HTTP Header Field".
 *
 * <p>Answers (all errors are {@code application/problem+json}):
 * <ul>
 * <li>first request: runs; an answer below 500 is stored with its status, body and the configured
 *     headers; a 5xx or an exception releases the key so that the client may retry; an answer below
 *     500 that cannot be stored completes the key with a recorded failure ({@code 500} for it and
 *     every retry: it never runs twice);</li>
 * <li>repeat of the same request: the stored answer;</li>
 * <li>same key, different request (method, path, query, media type or body): {@code 422};</li>
 * <li>same key while the first request still runs: {@code 409} with {@code Retry-After}, or, when
 *     {@link Builder#waitForInProgress} is set, the first answer once it is there;</li>
 * <li>missing key where required: {@code 400}; malformed key: {@code 400}; body over the limit:
 *     {@code 413}; store unreachable: {@code 503}, nothing runs (fail closed, unless
 *     {@link Builder#failOpen}).</li>
 * </ul>
 * Keys are scoped by the authenticated user ({@code getUserPrincipal()}), else by the client's
 * session (its {@code getSession(false)}, or the id it sent as {@link Builder#sessionIds} reads it,
 * so in either order with {@link StatelessSessionFilter}), else by {@link Builder#anonymousKeys}
 * (refused with {@code 400} by default): no client can be given another client's answer. A new key
 * over {@link Builder#maxRecordsPerScopeAndHour} gets {@code 429}; a form with more fields than the
 * container allows gets {@code 400}. Form bodies are buffered and parsed for the application; multipart bodies
 * are fingerprinted through the container's parts. A request runs with a lease that a heartbeat extends while it works; a
 * node that dies mid-request frees the key when the lease ends.
 *
 * <pre>{@code
 * IdempotencyKeyStore keys = RedisIdempotencyKeyStore.builder("redis://localhost:6379").build();
 * servletContext.addFilter("idempotency", IdempotencyFilter.builder(keys).required(true).build())
 *         .addMappingForUrlPatterns(null, false, "/orders/*");
 * }</pre>
 *
 * <p>Or in {@code web.xml}, by class name, with init parameters (see the module README for all of
 * them): {@code store-uri} (or an {@link IdempotencyKeyStore} in the servlet context attribute
 * {@code dev.stateless.core.idempotency.IdempotencyKeyStore}), {@code lease}, {@code retention},
 * {@code command-timeout}, {@code key-prefix}, {@code methods}, {@code paths}, {@code header-name},
 * {@code required}, {@code max-key-length}, {@code max-body-size}, {@code stored-headers},
 * {@code wait-for-in-progress}, {@code heartbeat}, {@code fail-open}, {@code anonymous-keys},
 * {@code max-form-keys}, {@code max-records-per-hour}.
 *
 * <p>Order: after authentication (keys are scoped by the user) and before
 * {@link StatelessSessionFilter}. The session's load then goes out with the key's acquisition, and
 * its save with the answer's record, so that the request waits two round trips in all. When the
 * save fails and the answer is recorded, the client gets {@code 500 Session Not Saved} (its retry gets
 * the recorded answer; it never runs again); when the answer cannot be recorded, {@code 500 Answer
 * Not Recorded}; an application that throws or answers 5xx frees the key, with its session saved.
 *
 * <p>Exactly once, end to end: the filter records the answer after the application ran. A node
 * that dies after the side effect (an order written to a database) but before the record frees the
 * key when its lease ends, and the retry runs again. Make the side effect itself idempotent by the
 * key, which the first request finds in the request attribute {@link #KEY_ATTRIBUTE} (the example
 * shop stores key to order id atomically with the order). Thread-safe.
 */
public final class IdempotencyFilter implements Filter {

    /**
     * Request attribute holding the client's idempotency key (a {@code String}) while the first
     * request runs, so the application can make its own side effect idempotent by the same key.
     */
    public static final String KEY_ATTRIBUTE = IdempotencyFilter.class.getName() + ".key";

    private static final Logger log = LoggerFactory.getLogger(IdempotencyFilter.class);
    private static final String REPLAYED = "Idempotent-Replayed";
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /**
     * The request attribute under which an asynchronous request this filter runs keeps what records
     * its answer: an async dispatch that ends the cycle records it before the container sends it.
     */
    private final String pendingRecord = IdempotencyFilter.class.getName() + ".record." + INSTANCES.incrementAndGet();

    /** The init parameters that configure the store made from {@code store-uri}. */
    private static final List<String> STORE_PARAMETERS = List.of("lease", "retention", "command-timeout", "key-prefix");
    private static final List<String> PARAMETERS = List.of("store-uri", "lease", "retention", "command-timeout",
            "key-prefix", "methods", "paths", "header-name", "required", "max-key-length", "max-body-size",
            "stored-headers", "wait-for-in-progress", "heartbeat", "fail-open", "max-records-per-hour", "anonymous-keys",
            "max-form-keys");

    // Set once, by the builder's constructor or by init(), before the container sends any request.
    private Idempotency idempotency;
    private Set<String> methods;
    private List<String> paths;
    private String headerName;
    private boolean required;
    private int maxKeyLength;
    private long maxBodySize;
    private Set<String> storedHeaders;
    private boolean failOpen;
    private Function<HttpServletRequest, Optional<String>> scope;
    private AnonymousKeys anonymousKeys;
    private SessionIdResolver sessionIds;
    /**
     * Whether the session's load starts with the key's acquisition: not when an acquisition may wait
     * for another request in progress, which may change the session meanwhile.
     */
    private boolean prefetchSession;
    private int maxFormKeys;
    private IdempotencyKeyStore ownedStore;

    /**
     * For {@code web.xml}: configured from init parameters in {@link #init(FilterConfig)}. A filter
     * made by {@link #builder} ignores init parameters.
     */
    public IdempotencyFilter() {
    }

    private IdempotencyFilter(Builder b) {
        configure(b);
    }

    private void configure(Builder b) {
        Idempotency.Builder idem = Idempotency.builder(b.store).waitForInProgress(b.waitForInProgress);
        if (b.heartbeat != null) {
            idem.heartbeat(b.heartbeat);
        }
        if (b.maxRecordsPerScopeAndHour > 0) {
            idem.maxRecordsPerScopeAndHour(b.maxRecordsPerScopeAndHour);
        }
        if (b.meterRegistry != null) {
            idem.meterRegistry(b.meterRegistry);
        }
        this.idempotency = idem.build();
        this.methods = Set.copyOf(b.methods);
        this.paths = List.copyOf(b.paths);
        this.headerName = b.headerName;
        this.required = b.required;
        this.maxKeyLength = b.maxKeyLength;
        this.maxBodySize = b.maxBodySize;
        TreeSet<String> headers = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        headers.addAll(b.storedHeaders);
        this.storedHeaders = Collections.unmodifiableSet(headers);
        this.failOpen = b.failOpen;
        this.scope = b.scope;
        this.anonymousKeys = b.anonymousKeys;
        this.sessionIds = b.sessionIds;
        this.maxFormKeys = b.maxFormKeys;
        this.prefetchSession = b.waitForInProgress.isZero();
        log.info("IdempotencyFilter[store={}, methods={}, paths={}, headerName={}, required={}, maxKeyLength={}, "
                + "maxBodySize={}, waitForInProgress={}, failOpen={}, anonymousKeys={}, maxRecordsPerScopeAndHour={}, "
                + "metrics={}]", b.store, methods, paths.isEmpty() ? "all" : paths, headerName, required, maxKeyLength,
                maxBodySize, b.waitForInProgress, failOpen, anonymousKeys,
                b.maxRecordsPerScopeAndHour > 0 ? b.maxRecordsPerScopeAndHour : "unlimited",
                b.meterRegistry != null ? "on" : "off");
    }

    /**
     * Starts the configuration of a filter on {@code store}, which the caller keeps and closes.
     *
     * @param store where keys and answers are recorded
     * @return a builder
     */
    public static Builder builder(IdempotencyKeyStore store) {
        return new Builder(store);
    }

    /**
     * Configures a filter declared in {@code web.xml} (made with the no-argument constructor) from
     * its init parameters; a filter made by {@link #builder} is left as it is. The store comes from
     * {@code store-uri} (through {@link IdempotencyKeyStores#create}, closed by {@link #destroy()}),
     * or else from the servlet context attribute named {@code dev.stateless.core.idempotency.IdempotencyKeyStore}
     * (left open: the application owns it).
     *
     * @throws ServletException naming this filter and the parameter, for a missing store, an unknown
     *     parameter or a bad value
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        if (idempotency != null) {
            return;
        }
        IdempotencyKeyStore created = null;
        try {
            InitParameters params = new InitParameters(config);
            params.requireKnown(PARAMETERS);
            // Every value is read and checked before a store (and its connections) exists.
            List<Consumer<Builder>> options = new ArrayList<>();
            params.apply("methods", v -> {
                String[] names = InitParameters.list(v);
                for (String name : names) {
                    if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                        throw new IllegalArgumentException("methods must be HTTP method names, was '" + v + "'");
                    }
                }
                Builder.check(names.length > 0, "methods must name at least one method, was '" + v + "'");
                options.add(b -> b.methods(names));
            });
            params.apply("paths", v -> {
                String[] paths = InitParameters.list(v);
                for (String path : paths) {
                    Builder.check(path.startsWith("/"), "paths must start with '/', was '" + path + "'");
                }
                options.add(b -> b.paths(paths));
            });
            params.apply("header-name", v -> {
                String name = v.trim();
                Builder.check(!name.isEmpty() && name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':'),
                        "header-name must be an HTTP header name, was '" + v + "'");
                options.add(b -> b.headerName(name));
            });
            params.apply("required", v -> {
                boolean required = InitParameters.bool("required", v);
                options.add(b -> b.required(required));
            });
            params.apply("max-key-length", v -> {
                int length = (int) InitParameters.number("max-key-length", v, 1, 4096);
                options.add(b -> b.maxKeyLength(length));
            });
            params.apply("max-body-size", v -> {
                long size = InitParameters.number("max-body-size", v, 0, Long.MAX_VALUE);
                options.add(b -> b.maxBodySize(size));
            });
            params.apply("stored-headers", v -> {
                String[] names = InitParameters.list(v);
                options.add(b -> b.storedHeaders(names));
            });
            params.apply("wait-for-in-progress", v -> {
                Duration wait = InitParameters.duration("wait-for-in-progress", v);
                Builder.check(!wait.isNegative(), "wait-for-in-progress must not be negative, was '" + v + "'");
                options.add(b -> b.waitForInProgress(wait));
            });
            params.apply("heartbeat", v -> {
                Duration heartbeat = InitParameters.duration("heartbeat", v);
                Builder.check(!heartbeat.isNegative() && !heartbeat.isZero(), "heartbeat must be positive, was '" + v + "'");
                options.add(b -> b.heartbeat(heartbeat));
            });
            params.apply("max-records-per-hour", v -> {
                int max = (int) InitParameters.number("max-records-per-hour", v, 1, Integer.MAX_VALUE);
                options.add(b -> b.maxRecordsPerScopeAndHour(max));
            });
            params.apply("anonymous-keys", v -> {
                AnonymousKeys policy = AnonymousKeys.parse(v);
                options.add(b -> b.anonymousKeys(policy));
            });
            params.apply("max-form-keys", v -> {
                int max = (int) InitParameters.number("max-form-keys", v, 1, Integer.MAX_VALUE);
                options.add(b -> b.maxFormKeys(max));
            });
            params.apply("fail-open", v -> {
                boolean failOpen = InitParameters.bool("fail-open", v);
                options.add(b -> b.failOpen(failOpen));
            });

            Map<String, String> storeOptions = new LinkedHashMap<>();
            for (String name : STORE_PARAMETERS) {
                params.text(name).ifPresent(v -> storeOptions.put(name, v));
            }
            Optional<String> uri = params.text("store-uri");
            params.requireAllTaken();
            IdempotencyKeyStore store;
            Object attribute = config.getServletContext().getAttribute(IdempotencyKeyStore.class.getName());
            if (uri.isPresent()) {
                created = IdempotencyKeyStores.create(uri.get().trim(), storeOptions);
                store = created;
            } else if (attribute instanceof IdempotencyKeyStore s) {
                if (!storeOptions.isEmpty()) {
                    throw new IllegalArgumentException(storeOptions.keySet() + " configure the store made from store-uri; "
                            + "the store in the servlet context attribute '" + IdempotencyKeyStore.class.getName()
                            + "' is configured by the application");
                }
                store = s;
            } else {
                throw new IllegalArgumentException("needs the init parameter 'store-uri' (such as redis://host:6379) or an "
                        + "IdempotencyKeyStore in the servlet context attribute '" + IdempotencyKeyStore.class.getName() + "'");
            }
            Builder builder = builder(store);
            for (Consumer<Builder> option : options) {
                option.accept(builder);
            }
            configure(builder); // checks the heartbeat against the store's lease
            ownedStore = created;
        } catch (RuntimeException e) {
            if (created != null) {
                created.close();
            }
            throw new ServletException("IdempotencyFilter: " + e.getMessage(), e);
        }
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        if (req.getDispatcherType() == DispatcherType.ASYNC) {
            // An async dispatch of a request this filter already ran (never a new run of the key):
            // when the dispatch ends the cycle, the answer is recorded before the container sends it.
            chain.doFilter(req, res);
            if (req.getAttribute(pendingRecord) instanceof Runnable record && !req.isAsyncStarted()) {
                record.run();
            }
            return;
        }
        if (!(req instanceof HttpServletRequest request) || !(res instanceof HttpServletResponse response)
                || !applies(request)) {
            chain.doFilter(req, res);
            return;
        }
        List<String> values = Collections.list(request.getHeaders(headerName));
        if (values.isEmpty()) {
            if (required) {
                Problems.send(request, response, 400, "Idempotency-Key Required",
                        "This request needs an " + headerName + " header.");
            } else {
                chain.doFilter(req, res);
            }
            return;
        }
        Optional<String> key = values.size() == 1 ? IdempotencyKeys.parse(values.get(0), maxKeyLength) : Optional.empty();
        if (key.isEmpty()) {
            Problems.send(request, response, 400, "Malformed Idempotency-Key",
                    "The " + headerName + " header must be one string of 1 to " + maxKeyLength
                            + " printable ASCII characters.");
            return;
        }
        long declared = request.getContentLengthLong();
        if (declared > maxBodySize) {
            Problems.send(request, response, 413, "Content Too Large", "The request body is larger than " + maxBodySize + " bytes.");
            return;
        }
        Optional<String> owner = owner(request);
        if (owner.isEmpty()) {
            Problems.send(request, response, 400, "Idempotency-Key Needs A Client",
                    "An " + headerName + " is only accepted from a signed-in user or a client with a session, so that "
                            + "no other client can receive this answer.");
            return;
        }
        byte[] body = null;
        String fingerprint;
        if (isMultipart(request)) {
            // Parts are parsed (and kept) by the container; the application reads them again as usual.
            Optional<String> parts = partsDigest(request);
            if (parts.isEmpty()) {
                Problems.send(request, response, 413, "Content Too Large", "The request body is larger than " + maxBodySize + " bytes.");
                return;
            }
            fingerprint = fingerprint(request, parts.get());
        } else {
            boolean form = BufferedBodyRequest.isForm(request);
            Containers.FormLimits limits = form ? Containers.formLimits(request) : new Containers.FormLimits(-1, -1);
            long limit = limits.maxSize() >= 0 ? Math.min(maxBodySize, limits.maxSize()) : maxBodySize;
            if (declared > limit) {
                Problems.send(request, response, 413, "Content Too Large", "The request body is larger than " + limit + " bytes.");
                return;
            }
            body = readBody(request, limit);
            if (body == null) {
                Problems.send(request, response, 413, "Content Too Large", "The request body is larger than " + limit + " bytes.");
                return;
            }
            // The container cannot parse a form it no longer has: its limit on fields is kept here.
            int maxKeys = limits.maxKeys() > 0 ? limits.maxKeys() : maxFormKeys;
            if (form && BufferedBodyRequest.formKeys(body) > maxKeys) {
                Problems.send(request, response, 400, "Too Many Form Fields",
                        "The form has more than " + maxKeys + " fields.");
                return;
            }
            fingerprint = fingerprint(request, sha256(body));
        }

        // The session's load, if a session filter behind this one will need it, shares the key's round trip.
        if (prefetchSession) {
            SessionPrefetch.start(request);
        }
        Idempotency.Attempt attempt;
        try {
            attempt = idempotency.begin(owner.get(), key.get(), fingerprint);
        } catch (IdempotencyException e) {
            refuse(request, response, e);
            return;
        } catch (StoreUnavailableException e) {
            unavailable(request, body, response, chain, e);
            return;
        } catch (StatelessException e) {
            // The store holds something under this key that is not a record of ours: refuse, run nothing.
            log.error("The idempotency record of a request cannot be read: {}", e.getMessage());
            Problems.send(request, response, 500, "Idempotency Record Unreadable",
                    "The record of this " + headerName + " cannot be read; use a new key.");
            return;
        }
        if (attempt instanceof Idempotency.Attempt.Replay replay) {
            replay(request, replay.result(), response);
            return;
        }
        request.setAttribute(KEY_ATTRIBUTE, key.get());
        run(request, body, response, chain, ((Idempotency.Attempt.Run) attempt).lease());
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, IdempotencyException e)
            throws IOException {
        switch (e.reason()) {
            case FINGERPRINT_MISMATCH -> Problems.send(request, response, 422, "Idempotency-Key Reused",
                    "This " + headerName + " was already used for a different request.");
            case RESULT_NOT_RECORDED -> Problems.send(request, response, 500, NOT_RECORDED_TITLE, NOT_RECORDED_DETAIL);
            case LIMIT_REACHED -> {
                response.setHeader("Retry-After", Long.toString(Math.max(1,
                        e.retryAfter().orElse(Duration.ofHours(1)).toSeconds())));
                Problems.send(request, response, 429, "Too Many Idempotency Keys",
                        "This client used as many new " + headerName + " values as it may in this hour; retry later.");
            }
            default -> {
                // The lease left is only an upper bound (a crashed holder); most first requests end in
                // well under a second, so clients are told to look again soon.
                response.setHeader("Retry-After", "1");
                Problems.send(request, response, 409, "Request In Progress",
                        "A request with this " + headerName + " is still being processed; retry later.");
            }
        }
    }

    /**
     * Whom the key belongs to: the user, else the client's session (the session filter's, whether it
     * ran before this filter or runs after it, or the container's), else, by choice, the client's
     * address; empty when the client has none of them.
     */
    private Optional<String> owner(HttpServletRequest request) {
        Optional<String> chosen = scope.apply(request);
        if (chosen.isPresent()) {
            return chosen.map(name -> "user:" + name);
        }
        jakarta.servlet.http.HttpSession session = request.getSession(false);
        if (session != null) {
            return Optional.of("session:" + session.getId());
        }
        for (String id : sessionIds.resolve(request)) {
            if (!id.isEmpty() && id.length() <= 256) {
                return Optional.of("session:" + id);
            }
        }
        String requested = request.getRequestedSessionId();
        if (requested != null && !requested.isEmpty() && requested.length() <= 256) {
            return Optional.of("session:" + requested);
        }
        if (anonymousKeys == AnonymousKeys.SCOPE_BY_CLIENT_ADDRESS) {
            return Optional.of("address:" + request.getRemoteAddr());
        }
        return Optional.empty();
    }

    private void unavailable(HttpServletRequest request, byte[] body, HttpServletResponse response, FilterChain chain,
            StoreUnavailableException e) throws IOException, ServletException {
        if (failOpen) {
            log.warn("Idempotency store unavailable; running the request unprotected (fail open): {}", e.getMessage());
            chain.doFilter(body == null ? request : new BufferedBodyRequest(request, body), response);
        } else {
            log.warn("Idempotency store unavailable; refusing the request (fail closed): {}", e.getMessage());
            Problems.send(request, response, 503, "Service Unavailable",
                    "Idempotent requests cannot be processed right now; retry shortly with the same key.");
        }
    }

    private void run(HttpServletRequest request, byte[] body, HttpServletResponse response, FilterChain chain,
            Idempotency.Lease lease) throws IOException, ServletException {
        CapturingResponse captured = new CapturingResponse(response);
        HookedAsyncRequest down = body == null ? new HookedAsyncRequest(request) : new BufferedBodyRequest(request, body);
        AtomicBoolean asynchronous = new AtomicBoolean();
        AtomicBoolean recorded = new AtomicBoolean();
        Runnable record = () -> {
            // A complete() during the filter's own dispatch takes effect after it: the path below records.
            if (!asynchronous.get() || !recorded.compareAndSet(false, true)) {
                return;
            }
            try {
                boolean stored;
                try {
                    stored = finish(lease, captured.getStatus(), captured.body(), response);
                } catch (RuntimeException e) {
                    // Not thrown into the application's complete(): the client is told instead.
                    log.error("An idempotent request ran but its answer could not be stored: {}", e.toString());
                    stored = false;
                }
                if (!stored && !response.isCommitted()) {
                    response.reset(); // the answer that could not be stored is not sent either
                    Problems.send(request, response, 500, NOT_RECORDED_TITLE, NOT_RECORDED_DETAIL);
                }
            } catch (IOException e) {
                log.warn("Could not tell the client that its answer was not recorded: {}", e.toString());
            } finally {
                lease.close();
            }
        };
        // The application's AsyncContext.complete() records the answer before the container sends it,
        // so that the client's next request replays it on any node.
        down.beforeAsyncComplete(captured, record);
        // A session filter behind this one leaves its save to go out with the answer's record.
        try (CommitGroup commit = CommitGroup.open(down)) {
            try {
                chain.doFilter(down, captured);
            } catch (IOException | ServletException | RuntimeException | Error e) {
                RuntimeException unsaved = commit.saveNow();
                if (unsaved != null) {
                    e.addSuppressed(unsaved);
                }
                lease.release();
                throw e;
            }
            if (request.isAsyncStarted()) {
                // The answer is written later, on another thread: let it through (the container holds it
                // until completion) and store it at complete(), or at the end (an async dispatch).
                try {
                    RuntimeException unsaved = commit.saveNow();
                    if (unsaved != null) {
                        throw unsaved;
                    }
                    captured.passThrough();
                } catch (IOException | RuntimeException e) {
                    lease.close(); // it ran: the key is completed with a recorded failure
                    throw e;
                }
                asynchronous.set(true);
                request.setAttribute(pendingRecord, record);
                request.getAsyncContext().addListener(new OnAsyncComplete(record));
                return;
            }
            byte[] content;
            try {
                content = captured.body();
                // Stored before a single byte goes out: a client that hangs up cannot stop it.
                Recorded outcome = finish(lease, captured.getStatus(), content, response, commit);
                if (outcome != Recorded.STORED) {
                    response.reset(); // an answer that could not be stored, or whose session was lost, is not sent
                    if (outcome == Recorded.NOT_RECORDED) {
                        Problems.send(request, response, 500, NOT_RECORDED_TITLE, NOT_RECORDED_DETAIL);
                    } else {
                        Problems.send(request, response, 500, "Session Not Saved", "The request ran and its answer is "
                                + "recorded (a retry with the same key gets it), but the changes it made to the session "
                                + "may not have been saved.");
                    }
                    return;
                }
            } finally {
                lease.close(); // no-op once ended; a failure on the way records one
            }
            response.setContentLength(content.length);
            if (content.length > 0) {
                response.getOutputStream().write(content);
            }
            response.flushBuffer();
        }
    }

    /** How an answer's recording went. */
    private enum Recorded {
        /** Recorded (or left for a retry, or taken over by another node): the answer is sent. */
        STORED,
        /** The request ran but its answer is not recorded: it will not run again for this key. */
        NOT_RECORDED,
        /** The answer is recorded, but the session changes of the request could not be saved. */
        SESSION_NOT_SAVED
    }

    private static final String NOT_RECORDED_TITLE = "Answer Not Recorded";
    private static final String NOT_RECORDED_DETAIL =
            "The request ran but its answer could not be stored; it will not run again for this key.";

    /**
     * Stores an answer below 500, or releases the key so that the client may retry. Once the request
     * ran, no failure frees the key: an answer that cannot be encoded or stored completes it with a
     * recorded failure.
     *
     * @return false when the answer was not recorded and the client must be told so
     */
    private boolean finish(Idempotency.Lease lease, int status, byte[] content, HttpServletResponse response) {
        return finish(lease, status, content, response, null) == Recorded.STORED;
    }

    /**
     * {@link #finish(Idempotency.Lease, int, byte[], HttpServletResponse)}, with the session's save
     * waiting in {@code commit} (may be null) sent together with the record: both are in flight
     * before either answer is awaited, so that the client waits one round trip for both.
     */
    private Recorded finish(Idempotency.Lease lease, int status, byte[] content, HttpServletResponse response,
            CommitGroup commit) {
        if (status >= 500) {
            sessionSaved(commit == null ? null : commit.saveNow());
            lease.release();
            return Recorded.STORED;
        }
        byte[] encoded;
        try {
            encoded = new StoredResponse(status, headersToStore(response), content).encode();
        } catch (RuntimeException e) {
            log.error("An idempotent request ran but its answer cannot be encoded; the key is completed with a "
                    + "recorded failure: {}", e.toString());
            lease.fail(e);
            sessionSaved(commit == null ? null : commit.saveNow());
            return Recorded.NOT_RECORDED;
        }
        List<SessionRequest.PendingSave> saves = commit == null ? List.of() : commit.start();
        java.util.concurrent.CompletableFuture<Void> completed = lease.completeAsync(encoded);
        RuntimeException unsaved = null;
        for (SessionRequest.PendingSave save : saves) {
            try {
                save.finish();
            } catch (RuntimeException e) {
                if (unsaved == null) {
                    unsaved = e;
                } else {
                    unsaved.addSuppressed(e);
                }
            }
        }
        try {
            completed.join();
        } catch (java.util.concurrent.CompletionException failure) {
            IdempotencyException e = failure.getCause() instanceof IdempotencyException i ? i
                    : new IdempotencyException(IdempotencyException.Reason.RESULT_NOT_RECORDED, failure.getMessage(),
                            null, failure.getCause());
            if (e.reason() != IdempotencyException.Reason.LEASE_LOST) {
                log.error("An idempotent request ran but its answer could not be stored: {}",
                        e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
                sessionSaved(unsaved);
                return Recorded.NOT_RECORDED;
            }
            log.error("An idempotent request finished after its lease was taken over by another node; "
                    + "its answer was not stored (the operation may have run twice)");
        }
        return sessionSaved(unsaved) ? Recorded.STORED : Recorded.SESSION_NOT_SAVED;
    }

    /** Logs a session save that failed after the request ran; true when there was none. */
    private static boolean sessionSaved(RuntimeException unsaved) {
        if (unsaved == null) {
            return true;
        }
        log.error("An idempotent request ran but the changes it made to its session could not be saved; they are "
                + "lost unless the store applied them after all (a timeout): {}", unsaved.toString());
        return false;
    }

    private List<Map.Entry<String, String>> headersToStore(HttpServletResponse response) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String name : response.getHeaderNames()) {
            if (storedHeaders.contains(name)) {
                for (String value : response.getHeaders(name)) {
                    headers.add(Map.entry(name, value));
                }
            }
        }
        String contentType = response.getContentType();
        if (contentType != null && headers.stream().noneMatch(h -> h.getKey().equalsIgnoreCase("Content-Type"))
                && storedHeaders.contains("Content-Type")) {
            headers.add(Map.entry("Content-Type", contentType));
        }
        return headers;
    }

    private void replay(HttpServletRequest request, byte[] data, HttpServletResponse response) throws IOException {
        StoredResponse stored;
        try {
            stored = StoredResponse.decode(data);
        } catch (IllegalArgumentException e) {
            log.error("A stored idempotent answer cannot be read: {}", e.getMessage());
            Problems.send(request, response, 500, "Stored Answer Unreadable",
                    "The answer stored for this idempotency key cannot be read.");
            return;
        }
        response.setStatus(stored.status());
        for (Map.Entry<String, String> header : stored.headers()) {
            response.addHeader(header.getKey(), header.getValue());
        }
        response.setHeader(REPLAYED, "true");
        response.setContentLength(stored.body().length);
        if (stored.body().length > 0) {
            response.getOutputStream().write(stored.body());
        }
        response.flushBuffer();
    }

    private boolean applies(HttpServletRequest request) {
        if (!methods.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
            return false;
        }
        if (paths.isEmpty()) {
            return true;
        }
        return RequestPaths.matchesAny(RequestPaths.within(request), paths);
    }

    private static boolean isMultipart(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/");
    }

    /** A digest of every part (name, file name, type, content), or empty when they exceed the size limit. */
    private Optional<String> partsDigest(HttpServletRequest request) throws IOException, ServletException {
        MessageDigest digest = sha256();
        long total = 0;
        byte[] chunk = new byte[8192];
        for (Part part : request.getParts()) {
            total += part.getSize();
            if (total > maxBodySize) {
                return Optional.empty();
            }
            String header = part.getName() + '\n' + part.getSubmittedFileName() + '\n' + part.getContentType() + '\n'
                    + part.getSize() + '\n';
            digest.update(header.getBytes(StandardCharsets.UTF_8));
            try (InputStream in = part.getInputStream()) {
                int n;
                while ((n = in.read(chunk)) > 0) {
                    digest.update(chunk, 0, n);
                }
            }
        }
        return Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(digest.digest()));
    }

    /** The body, or null when it is larger than {@code maxBodySize}. */
    private static byte[] readBody(HttpServletRequest request, long maxBodySize) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(request.getContentLengthLong(), 0), maxBodySize));
        byte[] chunk = new byte[8192];
        long total = 0;
        try (InputStream in = request.getInputStream()) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                total += n;
                if (total > maxBodySize) {
                    return null;
                }
                out.write(chunk, 0, n);
            }
        }
        return out.toByteArray();
    }

    private static String fingerprint(HttpServletRequest request, String bodyDigest) {
        String query = request.getQueryString();
        String text = request.getMethod() + '\n' + request.getRequestURI() + '\n' + (query == null ? "" : query) + '\n'
                + mediaType(request.getContentType()) + '\n' + bodyDigest;
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The request's media type as it matters for its meaning: type and subtype in lower case, and
     * the charset (lower case, unquoted) when given; other parameters (a multipart boundary) are
     * left out. Empty without a {@code Content-Type}.
     */
    static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        String[] parts = contentType.split(";");
        StringBuilder type = new StringBuilder(parts[0].trim().toLowerCase(Locale.ROOT));
        for (int i = 1; i < parts.length; i++) {
            String parameter = parts[i].trim();
            int eq = parameter.indexOf('=');
            if (eq > 0 && parameter.substring(0, eq).trim().equalsIgnoreCase("charset")) {
                String value = parameter.substring(eq + 1).trim();
                if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                    value = value.substring(1, value.length() - 1);
                }
                type.append(";charset=").append(value.toLowerCase(Locale.ROOT));
            }
        }
        return type.toString();
    }

    private static String sha256(byte[] data) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256().digest(data));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    @Override
    public void destroy() {
        if (idempotency != null) {
            idempotency.close();
        }
        if (ownedStore != null) {
            ownedStore.close();
            ownedStore = null;
        }
    }

    /** Configures an {@link IdempotencyFilter}; validated at {@link #build()}. */
    public static final class Builder {
        private final IdempotencyKeyStore store;
        private Set<String> methods = Set.of("POST", "PATCH");
        private List<String> paths = List.of();
        private String headerName = "Idempotency-Key";
        private boolean required;
        private int maxKeyLength = 255;
        private long maxBodySize = 1024 * 1024;
        private Set<String> storedHeaders = Set.of("Content-Type", "Location", "Content-Language", "Content-Disposition",
                "ETag", "Last-Modified", "Cache-Control");
        private Duration waitForInProgress = Duration.ZERO;
        private Duration heartbeat;
        private boolean failOpen;
        private Function<HttpServletRequest, Optional<String>> scope =
                request -> Optional.ofNullable(request.getUserPrincipal()).map(Principal::getName);
        private AnonymousKeys anonymousKeys = AnonymousKeys.REFUSE;
        private SessionIdResolver sessionIds = SessionIdResolver.cookie();
        private int maxFormKeys = 1000;
        private int maxRecordsPerScopeAndHour;
        private MeterRegistry meterRegistry;

        private Builder(IdempotencyKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /**
         * Counts requests by outcome ({@code stateless.idempotency.requests}: {@code first_run},
         * {@code replay}, {@code in_progress} (409), {@code fingerprint_mismatch} (422),
         * {@code unavailable} (503), ...) into {@code registry}; the store's own timers come from the
         * store's builder. Micrometer is an optional dependency: without this call nothing needs it.
         *
         * @param registry where the meters go
         * @return this builder
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * HTTP methods that take part (default POST and PATCH).
         *
         * @param methods HTTP methods, e.g. {@code POST}
         * @return this builder
         */
        public Builder methods(String... methods) {
            Set<String> upper = new TreeSet<>();
            for (String m : methods) {
                upper.add(Objects.requireNonNull(m, "methods").toUpperCase(Locale.ROOT));
            }
            if (upper.isEmpty()) {
                throw new IllegalArgumentException("methods must name at least one method");
            }
            this.methods = upper;
            return this;
        }

        /**
         * Paths that take part: exact ({@code /orders}) or prefixes ({@code /orders/*}); default all.
         *
         * @param paths exact paths or {@code /prefix/*} patterns
         * @return this builder
         */
        public Builder paths(String... paths) {
            for (String p : paths) {
                if (p == null || !p.startsWith("/")) {
                    throw new IllegalArgumentException("paths must start with '/', was '" + p + "'");
                }
            }
            this.paths = List.of(paths);
            return this;
        }

        /**
         * The request header that carries the key (default {@code Idempotency-Key}).
         *
         * @param name a header name
         * @return this builder
         */
        public Builder headerName(String name) {
            this.headerName = Objects.requireNonNull(name, "headerName");
            if (name.isBlank()) {
                throw new IllegalArgumentException("headerName must not be blank");
            }
            return this;
        }

        /**
         * Whether a request without a key is refused with 400 (default false: it runs unprotected).
         *
         * @param required whether a request without a key is refused
         * @return this builder
         */
        public Builder required(boolean required) {
            this.required = required;
            return this;
        }

        /**
         * Longest key accepted (default 255 characters).
         *
         * @param length at least 1
         * @return this builder
         */
        public Builder maxKeyLength(int length) {
            if (length < 1 || length > 4096) {
                throw new IllegalArgumentException("maxKeyLength must be between 1 and 4096, was " + length);
            }
            this.maxKeyLength = length;
            return this;
        }

        /**
         * Largest request body buffered for the fingerprint (default 1 MiB); larger gets 413.
         *
         * @param bytes zero or more
         * @return this builder
         */
        public Builder maxBodySize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxBodySize must not be negative, was " + bytes);
            }
            this.maxBodySize = bytes;
            return this;
        }

        /**
         * Response headers stored and replayed with the body (default Content-Type, Location, ETag, ...).
         *
         * @param names header names
         * @return this builder
         */
        public Builder storedHeaders(String... names) {
            this.storedHeaders = Set.of(names);
            return this;
        }

        /**
         * Wait this long for a running first request and replay its answer, instead of 409 (default zero).
         *
         * @param wait zero or more
         * @return this builder
         */
        public Builder waitForInProgress(Duration wait) {
            this.waitForInProgress = Objects.requireNonNull(wait, "waitForInProgress");
            return this;
        }

        /**
         * How often a running request's lease is extended (default a third of the store's lease).
         *
         * @param interval positive
         * @return this builder
         */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = Objects.requireNonNull(interval, "heartbeat");
            return this;
        }

        /**
         * Run requests unprotected while the store is unreachable (default false: answer 503 and run
         * nothing). Only for writes whose duplicates do no harm.
         *
         * @param failOpen whether requests run without a key record while the store is away
         * @return this builder
         */
        public Builder failOpen(boolean failOpen) {
            this.failOpen = failOpen;
            return this;
        }

        /**
         * Who a key belongs to (default the request's principal name); keys of different owners never
         * meet. A request this gives no owner is scoped by its session, else handled by
         * {@link #anonymousKeys}.
         *
         * @param scope gives a request's scope (its user, its tenant), or empty for none
         * @return this builder
         */
        public Builder scope(Function<HttpServletRequest, Optional<String>> scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /**
         * What happens to a key from a client with neither a user nor a session (default {@link
         * AnonymousKeys#REFUSE}).
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder anonymousKeys(AnonymousKeys policy) {
            this.anonymousKeys = Objects.requireNonNull(policy, "anonymousKeys");
            return this;
        }

        /**
         * How the session filter carries session ids (default {@link SessionIdResolver#cookie()}), so
         * that a client without a user is scoped by its session also when this filter runs before
         * {@link StatelessSessionFilter}: give it the same resolver.
         *
         * @param resolver reads the session id, as the session filter sends it
         * @return this builder
         */
        public Builder sessionIds(SessionIdResolver resolver) {
            this.sessionIds = Objects.requireNonNull(resolver, "sessionIds");
            return this;
        }

        /**
         * Most fields in a form body this filter reads for the application (default 1,000), for
         * containers whose own limit cannot be read (Jetty's {@code maxFormKeys} and Tomcat's
         * {@code maxParameterCount} are used when they can); more gets 400.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxFormKeys(int max) {
            check(max >= 1, "maxFormKeys must be at least 1, was " + max);
            this.maxFormKeys = max;
            return this;
        }

        /**
         * At most this many new keys per owner (user, session or address) in each clock hour (default:
         * no limit); more gets 429 with {@code Retry-After}, and nothing is stored. Repeats of
         * recorded keys still get their answers.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxRecordsPerScopeAndHour(int max) {
            check(max >= 1, "maxRecordsPerScopeAndHour must be at least 1, was " + max);
            this.maxRecordsPerScopeAndHour = max;
            return this;
        }

        /**
         * Makes the {@code IdempotencyFilter} as configured; bad values fail here, naming the option.
         *
         * @return the filter, to register with the container
         */
        public IdempotencyFilter build() {
            return new IdempotencyFilter(this);
        }

        private static void check(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
