package dev.stateless.benchmarks;

import java.util.concurrent.SynchronousQueue;

/**
 * A daemon thread of the harness that runs the jobs handed to it, one at a time, so that every
 * slice of a measurement reuses warm threads (and what they hold, such as connections): the clients
 * of {@link HttpLoad} and the verifying threads of {@link TokenBenchmark}. It ends when {@link
 * #work} says so or when it is interrupted while waiting for a job.
 */
abstract class JobThread<J> extends Thread {

    private final SynchronousQueue<J> jobs = new SynchronousQueue<>();

    JobThread(String name) {
        super(name);
        setDaemon(true);
    }

    /** Hands a job over, waiting until the thread takes it. */
    final void submit(J job) {
        try {
            jobs.put(job);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public final void run() {
        while (true) {
            J job;
            try {
                job = jobs.take();
            } catch (InterruptedException e) {
                return;
            }
            if (!work(job)) {
                return;
            }
        }
    }

    /** Runs one job; false ends the thread. */
    abstract boolean work(J job);
}
