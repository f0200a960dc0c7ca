package dev.stateless.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A fixed set of client threads, each with its own keep-alive connection to every server it has
 * talked to. A slice sends one prepared request per client in a closed loop (the next request
 * leaves when the previous answer is in) for a time or a count, and reports what it saw, including
 * the CPU the client threads used, so that the server's share can be told apart.
 */
final class HttpLoad implements AutoCloseable {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Worker[] workers;

    HttpLoad(int clients) {
        workers = new Worker[clients];
        for (int i = 0; i < clients; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
    }

    int clients() {
        return workers.length;
    }

    /**
     * Runs one slice.
     *
     * @param port the server
     * @param requests one request per client (cookies differ, counters differ)
     * @param durationNanos how long, or 0 to send {@code requestsPerClient} each
     * @param expectedStatus answers with another status count as errors
     */
    Slice run(int port, Request[] requests, long durationNanos, int requestsPerClient, int expectedStatus) {
        if (requests.length != workers.length) {
            throw new IllegalArgumentException("one request per client");
        }
        CountDownLatch done = new CountDownLatch(workers.length);
        long start = System.nanoTime();
        long deadline = durationNanos > 0 ? start + durationNanos : Long.MAX_VALUE;
        int count = durationNanos > 0 ? Integer.MAX_VALUE : requestsPerClient;
        for (Worker worker : workers) {
            worker.submit(new Job(port, requests[worker.index], deadline, count, expectedStatus, done));
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Histogram latency = new Histogram(HIGHEST_NANOS, 3);
        long requestsDone = 0;
        long errors = 0;
        long clientCpu = 0;
        long clientUser = 0;
        long lastEnd = start;
        String firstError = null;
        for (Worker worker : workers) {
            latency.add(worker.latency);
            requestsDone += worker.requests;
            errors += worker.errors;
            clientCpu += worker.cpuNanos;
            clientUser += worker.userNanos;
            lastEnd = Math.max(lastEnd, worker.lastEnd);
            if (firstError == null) {
                firstError = worker.firstError;
            }
        }
        return new Slice(requestsDone, errors, (lastEnd - start) / 1e9, clientCpu, clientCpu - clientUser, latency, firstError);
    }

    @Override
    public void close() {
        for (Worker worker : workers) {
            worker.submit(Job.STOP);
        }
    }

    /**
     * A prepared request. When {@code counterWidth > 0}, the client writes its own ever-increasing
     * sequence number, zero-padded, over those bytes before each send (unique idempotency keys
     * without allocating). When {@code browser} is not null, the bytes are its request with the
     * client's cookies of the moment, and the answers' Set-Cookie headers go to its jar.
     */
    record Request(byte[] bytes, int counterOffset, int counterWidth, CookieJar.Sending browser) {
        static Request fixed(byte[] bytes) {
            return new Request(bytes, -1, 0, null);
        }

        /** A request that sends the jar's cookies and keeps what the answers set, as a browser does. */
        static Request browsing(CookieJar jar, byte[] head) {
            return new Request(null, -1, 0, jar.sending(head));
        }

        /** A request whose {@code placeholder} (a run of '0's) is replaced by the client's sequence number. */
        static Request counting(byte[] bytes, String placeholder) {
            String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
            int at = text.indexOf(placeholder);
            if (at < 0) {
                throw new IllegalArgumentException("no placeholder in the request");
            }
            return new Request(bytes, at, placeholder.length(), null);
        }
    }

    /** What one slice measured. */
    record Slice(long requests, long errors, double seconds, long clientCpuNanos, long clientSystemNanos, Histogram latency,
            String firstError) {
        double perSecond() {
            return requests / seconds;
        }
    }

    private record Job(int port, Request request, long deadline, int count, int expectedStatus, CountDownLatch done) {
        static final Job STOP = new Job(-1, null, 0, 0, 0, null);
    }

    private static final class Worker extends JobThread<Job> {
        final int index;
        final Map<Integer, HttpConnection> connections = new HashMap<>();
        final Histogram latency = new Histogram(HIGHEST_NANOS, 3);
        long requests;
        long errors;
        long cpuNanos;
        long userNanos;
        long lastEnd;
        String firstError;
        long sequence;

        Worker(int index) {
            super("http-client-" + index);
            this.index = index;
        }

        @Override
        boolean work(Job job) {
            if (job == Job.STOP) {
                connections.values().forEach(HttpConnection::close);
                return false;
            }
            try {
                runJob(job);
            } finally {
                job.done.countDown();
            }
            return true;
        }

        private void runJob(Job job) {
            latency.reset();
            requests = 0;
            errors = 0;
            firstError = null;
            HttpConnection connection = connections.computeIfAbsent(job.port, HttpConnection::new);
            long cpu = THREADS.getCurrentThreadCpuTime();
            long user = THREADS.getCurrentThreadUserTime();
            long end = System.nanoTime();
            byte[] bytes = job.request.bytes();
            int counterOffset = job.request.counterOffset();
            int counterWidth = job.request.counterWidth();
            CookieJar.Sending browser = job.request.browser();
            CookieJar jar = browser == null ? null : browser.jar();
            for (int n = 0; n < job.count && end < job.deadline; n++) {
                if (counterWidth > 0) {
                    long value = ++sequence;
                    for (int i = counterOffset + counterWidth - 1; i >= counterOffset; i--) {
                        bytes[i] = (byte) ('0' + value % 10);
                        value /= 10;
                    }
                }
                if (browser != null) {
                    bytes = browser.bytes();
                }
                long begin = System.nanoTime();
                try {
                    int status = connection.exchange(bytes, false, jar);
                    if (status != job.expectedStatus) {
                        errors++;
                        if (firstError == null) {
                            firstError = "HTTP " + status;
                        }
                    }
                } catch (IOException e) {
                    errors++;
                    if (firstError == null) {
                        firstError = e.toString();
                    }
                }
                end = System.nanoTime();
                latency.recordValue(Math.min(end - begin, HIGHEST_NANOS));
                requests++;
            }
            lastEnd = end;
            cpuNanos = THREADS.getCurrentThreadCpuTime() - cpu;
            userNanos = THREADS.getCurrentThreadUserTime() - user;
        }
    }
}
