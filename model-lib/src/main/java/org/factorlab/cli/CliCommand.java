package org.factorlab.cli;

/**
 * Marker for a picocli {@code @Command} class that the {@code factorlab} launcher picks up as a subcommand.
 * Each module lists its commands in {@code META-INF/services/org.factorlab.cli.CliCommand}, so modules add
 * subcommands without the launcher knowing them.
 */
public interface CliCommand {
}
