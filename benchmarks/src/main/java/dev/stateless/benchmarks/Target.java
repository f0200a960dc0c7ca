package dev.stateless.benchmarks;

/**
 * One target from the issue and whether this run met it.
 *
 * @param section the report section it belongs to
 * @param what what is measured, e.g. "B throughput vs C (read all, change one)"
 * @param goal the goal, e.g. "≥ 1.80×"
 * @param measured the figure this run measured, e.g. "2.10× (1.95–2.20)"
 * @param met whether the figure reaches the goal
 */
record Target(String section, String what, String goal, String measured, boolean met) {
}
