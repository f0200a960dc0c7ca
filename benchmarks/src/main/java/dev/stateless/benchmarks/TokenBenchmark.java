package dev.stateless.benchmarks;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.proc.JWSVerifierFactory;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.stateless.jwt.JwtIssuer;
import dev.stateless.jwt.JwtKeys;
import dev.stateless.jwt.JwtVerifier;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Section 3: verifications per second of one valid token, for our {@link JwtVerifier}, Nimbus'
 * {@link DefaultJWTProcessor} set up to check the same things, and the bare JDK signature check of the
 * same signing input (the floor), per algorithm, on 1 and 2 threads. A hand-written harness rather than
 * JMH so that every variant runs interleaved with the others, in one JVM, round after round.
 */
final class TokenBenchmark {

    static final String TITLE = "3. Token verification";
    static final List<String> ALGORITHMS = List.of("HS256", "RS256", "ES256", "EdDSA");
    static final List<String> IMPLEMENTATIONS = List.of("ours", "nimbus", "jdk");
    static final Map<String, String> LABELS = Map.of(
            "ours", "ours: `JwtVerifier.verify`",
            "nimbus", "Nimbus `DefaultJWTProcessor.process`",
            "jdk", "JDK signature check only");
    static final List<Integer> THREADS = List.of(1, 2);

    private static final String ISSUER = "https://issuer.example.com";
    private static final String AUDIENCE = "orders-api";

    private final Mode mode;
    private final Consumer<String> log;

    TokenBenchmark(Mode mode, Consumer<String> log) {
        this.mode = mode;
        this.log = log;
    }

    /** One thread's way of verifying the token; returns something derived from the result. */
    interface Op {
        long run() throws Exception;
    }

    /** Makes an {@link Op} per thread (JDK Signature and Mac objects are not thread-safe). */
    interface OpFactory {
        Op create() throws Exception;
    }

    private static final class Cell {
        final String algorithm;
        final String implementation;
        final int threads;
        final Op[] ops;
        final List<Double> perSecond = new ArrayList<>();
        final List<Double> cpuMicros = new ArrayList<>();
        final List<Double> ratio = new ArrayList<>();
        final List<Double> wallRatio = new ArrayList<>();

        Cell(String algorithm, String implementation, int threads, Op[] ops) {
            this.algorithm = algorithm;
            this.implementation = implementation;
            this.threads = threads;
            this.ops = ops;
        }
    }

    Section run() throws Exception {
        List<Cell> cells = new ArrayList<>();
        Map<String, Integer> tokenLength = new LinkedHashMap<>();
        for (String algorithm : ALGORITHMS) {
            Setup setup = setup(algorithm);
            tokenLength.put(algorithm, setup.token.length());
            for (int threads : THREADS) {
                for (String implementation : IMPLEMENTATIONS) {
                    OpFactory factory = switch (implementation) {
                        case "ours" -> setup.ours;
                        case "nimbus" -> setup.nimbus;
                        default -> setup.jdk;
                    };
                    Op[] ops = new Op[threads];
                    for (int t = 0; t < threads; t++) {
                        ops[t] = factory.create();
                        ops[t].run(); // fails here if this verifier refuses the token
                    }
                    cells.add(new Cell(algorithm, implementation, threads, ops));
                }
            }
        }
        try (Runner runner = new Runner(2)) {
            log.accept("tokens: warm-up");
            for (Cell cell : cells) {
                runner.slice(cell.ops, mode.tokenWarmup().toNanos());
            }
            for (int round = 0; round < mode.rounds(); round++) {
                Map<Cell, Runner.Result> measured = new LinkedHashMap<>();
                for (int i = 0; i < cells.size(); i++) {
                    Cell cell = cells.get((i + round * IMPLEMENTATIONS.size()) % cells.size());
                    measured.put(cell, runner.slice(cell.ops, mode.tokenSlice().toNanos()));
                }
                for (Cell cell : cells) {
                    Runner.Result result = measured.get(cell);
                    Runner.Result baseline = measured.get(find(cells, cell.algorithm, "nimbus", cell.threads));
                    cell.perSecond.add(result.perSecond());
                    cell.cpuMicros.add(result.cpuMicrosPerOp());
                    cell.ratio.add(baseline.cpuMicrosPerOp() / result.cpuMicrosPerOp());
                    cell.wallRatio.add(result.perSecond() / baseline.perSecond());
                }
                log.accept("tokens: round " + (round + 1) + "/" + mode.rounds());
            }
        }
        return report(cells, tokenLength);
    }

    private static Cell find(List<Cell> cells, String algorithm, String implementation, int threads) {
        for (Cell cell : cells) {
            if (cell.algorithm.equals(algorithm) && cell.implementation.equals(implementation) && cell.threads == threads) {
                return cell;
            }
        }
        throw new IllegalStateException("no cell " + algorithm + "/" + implementation + "/" + threads);
    }

    private record Setup(String token, OpFactory ours, OpFactory nimbus, OpFactory jdk) {
    }

    private static Setup setup(String algorithm) throws Exception {
        JwtIssuer.Builder issuer = JwtIssuer.builder().issuer(ISSUER).audience(AUDIENCE).lifetime(Duration.ofHours(4));
        JwtVerifier.Builder ours = JwtVerifier.builder().issuers(ISSUER).audiences(AUDIENCE).requiredClaims("jti", "iat");
        JWK nimbusKey;
        switch (algorithm) {
            case "HS256" -> {
                byte[] secret = JwtKeys.generateHmacSecret();
                issuer.hmacSecret(secret);
                ours.hmacSecret(secret);
                nimbusKey = new OctetSequenceKey.Builder(secret).build();
            }
            case "RS256" -> {
                RSAKey key = JwtKeys.generateRsa("rsa-1");
                issuer.rsaKey(key);
                nimbusKey = key.toPublicJWK();
                ours.jwkSet(new JWKSet(nimbusKey).toString());
            }
            case "ES256" -> {
                ECKey key = JwtKeys.generateEc("ec-1");
                issuer.ecKey(key);
                nimbusKey = key.toPublicJWK();
                ours.jwkSet(new JWKSet(nimbusKey).toString());
            }
            case "EdDSA" -> {
                OctetKeyPair key = JwtKeys.generateEd25519("ed-1");
                issuer.ed25519Key(key);
                nimbusKey = key.toPublicJWK();
                ours.jwkSet(new JWKSet(nimbusKey).toString());
            }
            default -> throw new IllegalArgumentException(algorithm);
        }
        String token = issuer.build().issue("user-42", Map.of("scope", "orders:read orders:write", "name", "Benchmark User"));
        JwtVerifier verifier = ours.build();
        OpFactory oursFactory = () -> () -> verifier.verify(token).subject().length();

        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        if (algorithm.equals("EdDSA")) {
            edDsa(processor, new JWKSet(nimbusKey));
        } else {
            processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.parse(algorithm),
                    new ImmutableJWKSet<>(new JWKSet(nimbusKey))));
        }
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(Set.of(AUDIENCE),
                new JWTClaimsSet.Builder().issuer(ISSUER).build(), new HashSet<>(List.of("sub", "exp", "iat", "jti")), null));
        OpFactory nimbusFactory = () -> () -> processor.process(token, null).getSubject().length();

        int lastDot = token.lastIndexOf('.');
        byte[] signingInput = token.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII);
        byte[] signature = Base64.getUrlDecoder().decode(token.substring(lastDot + 1));
        OpFactory jdk = switch (algorithm) {
            case "HS256" -> {
                byte[] secret = ((OctetSequenceKey) nimbusKey).toByteArray();
                yield () -> {
                    Mac mac = Mac.getInstance("HmacSHA256");
                    mac.init(new SecretKeySpec(secret, "HmacSHA256"));
                    return () -> check(MessageDigest.isEqual(mac.doFinal(signingInput), signature));
                };
            }
            case "RS256" -> signatureCheck("SHA256withRSA", ((RSAKey) nimbusKey).toRSAPublicKey(), signingInput, signature);
            case "ES256" -> signatureCheck("SHA256withECDSAinP1363Format", ((ECKey) nimbusKey).toECPublicKey(),
                    signingInput, signature);
            default -> signatureCheck("Ed25519", ed25519(((OctetKeyPair) nimbusKey).getDecodedX()), signingInput, signature);
        };
        return new Setup(token, oursFactory, nimbusFactory, jdk);
    }

    /**
     * Nimbus' stock key selector and verifier factory cannot do EdDSA: they hand the verifier a
     * {@code java.security.Key}, and an {@link OctetKeyPair} cannot be exported to one. So the processor
     * gets the same selection ({@link JWKMatcher#forJWSHeader}: key type, kid, use, alg) and a factory
     * that makes an {@link Ed25519Verifier} from the selected JWK, per token, as the stock factory does.
     */
    private static void edDsa(DefaultJWTProcessor<SecurityContext> processor, JWKSet keys) {
        processor.setJWSKeySelector((header, context) -> {
            if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
                return List.of();
            }
            List<Key> selected = new ArrayList<>();
            for (JWK jwk : new JWKSelector(JWKMatcher.forJWSHeader(header)).select(keys)) {
                selected.add(new OkpKey(jwk.toOctetKeyPair()));
            }
            return selected;
        });
        processor.setJWSVerifierFactory(new JWSVerifierFactory() {
            private final JCAContext context = new JCAContext();

            @Override
            public JWSVerifier createJWSVerifier(JWSHeader header, Key key) throws JOSEException {
                return new Ed25519Verifier(((OkpKey) key).jwk());
            }

            @Override
            public Set<JWSAlgorithm> supportedJWSAlgorithms() {
                return Set.of(JWSAlgorithm.EdDSA);
            }

            @Override
            public JCAContext getJCAContext() {
                return context;
            }
        });
    }

    /** Carries an Ed25519 JWK from the key selector to the verifier factory. */
    private record OkpKey(OctetKeyPair jwk) implements Key {
        private static final long serialVersionUID = 1L;

        @Override
        public String getAlgorithm() {
            return "Ed25519";
        }

        @Override
        public String getFormat() {
            return null;
        }

        @Override
        public byte[] getEncoded() {
            return null;
        }
    }

    private static OpFactory signatureCheck(String name, PublicKey key, byte[] signingInput, byte[] signature) {
        return () -> {
            Signature verifier = Signature.getInstance(name);
            return () -> {
                verifier.initVerify(key);
                verifier.update(signingInput);
                return check(verifier.verify(signature));
            };
        };
    }

    private static long check(boolean valid) {
        if (!valid) {
            throw new IllegalStateException("signature did not verify");
        }
        return 1;
    }

    /** An Ed25519 public key from its 32 raw bytes (an X.509 SubjectPublicKeyInfo around them). */
    private static PublicKey ed25519(byte[] raw) throws Exception {
        byte[] prefix = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        byte[] der = new byte[prefix.length + raw.length];
        System.arraycopy(prefix, 0, der, 0, prefix.length);
        System.arraycopy(raw, 0, der, prefix.length, raw.length);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    }

    private Section report(List<Cell> cells, Map<String, Integer> tokenLength) {
        StringBuilder md = new StringBuilder();
        md.append("One valid token per algorithm (claims `sub`, `iss`, `aud`, `exp`, `iat`, `jti`, `scope`, `name`; ")
                .append("issued by `JwtIssuer`, keys from `JwtKeys`: HMAC 256-bit, RSA 2048, P-256, Ed25519). ")
                .append("Ours: `JwtVerifier.builder().issuers(..).audiences(..).requiredClaims(\"jti\", \"iat\")` ")
                .append("with the key (HMAC secret or JWK set). Nimbus: `DefaultJWTProcessor` with a ")
                .append("`JWSVerificationKeySelector` over an `ImmutableJWKSet` and a `DefaultJWTClaimsVerifier` requiring ")
                .append("the same issuer, audience and claims (EdDSA: Nimbus' stock selector and verifier factory cannot handle an Ed25519 JWK, since it cannot be exported to a `java.security.Key`; the processor gets the same `JWKMatcher.forJWSHeader` selection and a factory that makes Nimbus' `Ed25519Verifier`, which uses Tink, per token as the stock factory does for the other algorithms). ")
                .append("JDK: `Mac` HmacSHA256 / `Signature` SHA256withRSA, SHA256withECDSAinP1363Format, Ed25519 over ")
                .append("the prepared signing input, one instance per thread. Medians of ").append(mode.rounds())
                .append(" interleaved rounds of ").append(mode.tokenSlice().toMillis())
                .append(" ms per variant; × Nimbus in the same round.\n\n");
        md.append("| algorithm | threads | variant | verifications/s | CPU µs per verification | × Nimbus (CPU per verification) | × Nimbus (verifications/s) |\n");
        md.append("|---|--:|---|--:|--:|--:|--:|\n");
        List<Target> targets = new ArrayList<>();
        for (String algorithm : ALGORITHMS) {
            for (int threads : THREADS) {
                for (String implementation : IMPLEMENTATIONS) {
                    Cell cell = find(cells, algorithm, implementation, threads);
                    md.append("| ").append(algorithm).append(" (").append(tokenLength.get(algorithm)).append(" chars) | ")
                            .append(threads).append(" | ").append(LABELS.get(implementation)).append(" | ")
                            .append(Fmt.count(Fmt.median(cell.perSecond))).append(" | ")
                            .append(Fmt.perOp(Fmt.median(cell.cpuMicros))).append(" | ")
                            .append(Fmt.ratio(cell.ratio)).append(" | ")
                            .append(Fmt.ratio(cell.wallRatio)).append(" |\n");
                }
                Cell ours = find(cells, algorithm, "ours", threads);
                Cell jdk = find(cells, algorithm, "jdk", threads);
                targets.add(new Target(TITLE, "ours vs Nimbus, " + algorithm + ", " + threads
                        + (threads == 1 ? " thread" : " threads"), "≥ 0.90×",
                        Fmt.ratio(ours.ratio) + " (by wall clock " + Fmt.ratio(Fmt.median(ours.wallRatio)) + "); JDK limit "
                                + Fmt.ratio(Fmt.median(jdk.ratio)),
                        Fmt.median(ours.ratio) >= 0.9));
            }
        }
        md.append("\nThe ratios are speeds relative to Nimbus: CPU per verification (each thread's own CPU time, "
                + "which the other processes on a shared machine do not inflate) and verifications per second of wall "
                + "time. Targets are judged on the CPU figure. With 2 threads on 2 cores the harness, the JIT and "
                + "other processes compete for the same cores, so 2-thread rates are below twice the 1-thread rates.\n");
        return new Section(TITLE, md.toString(), targets);
    }

    /** Two worker threads that run an {@link Op} in a tight loop until told to stop. */
    private static final class Runner implements AutoCloseable {
        private static final java.lang.management.ThreadMXBean THREADS =
                java.lang.management.ManagementFactory.getThreadMXBean();

        private final Worker[] workers;

        Runner(int threads) {
            workers = new Worker[threads];
            for (int i = 0; i < threads; i++) {
                workers[i] = new Worker(i);
                workers[i].start();
            }
        }

        /**
         * What one slice measured: verifications per second of wall time (all threads together),
         * and CPU time per verification (the threads' own CPU time, which other processes on the
         * machine do not inflate the way they stretch wall time).
         */
        record Result(double perSecond, double cpuMicrosPerOp) {
        }

        /** Runs {@code ops.length} threads for about {@code nanos}. */
        Result slice(Op[] ops, long nanos) {
            CountDownLatch done = new CountDownLatch(ops.length);
            Stop stop = new Stop();
            long start = System.nanoTime();
            for (int i = 0; i < ops.length; i++) {
                workers[i].submit(new Job(ops[i], stop, done));
            }
            try {
                Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
                stop.stopped = true;
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            long total = 0;
            long cpu = 0;
            long end = start;
            for (int i = 0; i < ops.length; i++) {
                if (workers[i].failure != null) {
                    throw new IllegalStateException("verification failed", workers[i].failure);
                }
                total += workers[i].count;
                cpu += workers[i].cpuNanos;
                end = Math.max(end, workers[i].end);
            }
            return new Result(total / ((end - start) / 1e9), cpu / 1e3 / Math.max(1, total));
        }

        @Override
        public void close() {
            for (Worker worker : workers) {
                worker.interrupt();
            }
        }

        private static final class Stop {
            volatile boolean stopped;
        }

        private record Job(Op op, Stop stop, CountDownLatch done) {
        }

        private static final class Worker extends JobThread<Job> {
            long count;
            long end;
            long cpuNanos;
            long sink;
            Throwable failure;

            Worker(int index) {
                super("token-bench-" + index);
            }

            @Override
            boolean work(Job job) {
                count = 0;
                failure = null;
                long n = 0;
                long s = 0;
                long cpu = THREADS.getCurrentThreadCpuTime();
                try {
                    Op op = job.op();
                    Stop stop = job.stop();
                    while (!stop.stopped) {
                        s += op.run();
                        n++;
                    }
                } catch (Throwable e) {
                    failure = e;
                }
                end = System.nanoTime();
                cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
                count = n;
                sink += s;
                job.done().countDown();
                return true;
            }
        }
    }
}
