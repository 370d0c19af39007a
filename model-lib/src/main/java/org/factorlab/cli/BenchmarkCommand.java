package org.factorlab.cli;

/**
 * Marker for a picocli {@code @Command} that runs under {@code factorlab bench} (e.g. {@code bench render}).
 * Listed in {@code META-INF/services/org.factorlab.cli.BenchmarkCommand}. Benchmarks print figures; they are
 * never timed tests.
 */
public interface BenchmarkCommand {
}
