package dev.stateless.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time used by this JVM so far (all threads, including GC and JIT), and its kernel share. */
final class ProcessCpu {

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final Path STAT = Path.of("/proc/self/stat");
    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    private ProcessCpu() {
    }

    static long nanos() {
        return OS.getProcessCpuTime();
    }

    /**
     * CPU time of the JIT compiler threads so far, from /proc/self/task (0 where there is none). On a
     * busy 2-core machine C2 keeps compiling for a minute or more; its CPU is left out of the
     * per-request figures, which are about the steady state.
     */
    static long jitNanos() {
        long total = 0;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(task.resolve("comm")).trim();
                    if (comm.startsWith("C1 Compiler") || comm.startsWith("C2 Compiler")) {
                        String stat = Files.readString(task.resolve("stat"));
                        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        total += (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
                    }
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return total;
    }

    /** Kernel (system) CPU time of this process, from /proc/self/stat; 0 where there is none. */
    static long systemNanos() {
        try {
            String stat = Files.readString(STAT);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[12]) * NANOS_PER_TICK; // field 15, stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
