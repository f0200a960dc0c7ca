package dev.stateless.benchmarks;

import java.util.List;

/**
 * What one benchmark section contributes to the report.
 *
 * @param title the section heading, e.g. "1. Session requests over HTTP"
 * @param markdown its tables and notes
 * @param targets its targets, marked met or missed
 */
record Section(String title, String markdown, List<Target> targets) {
}
