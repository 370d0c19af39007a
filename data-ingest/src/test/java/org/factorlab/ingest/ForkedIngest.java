package org.factorlab.ingest;

import picocli.CommandLine;

/** {@code factorlab ingest} in a JVM of its own (tests start it with the test classpath); exit status as the launcher's. */
public final class ForkedIngest {
    private ForkedIngest() {
    }

    public static void main(String[] args) {
        var cl = new CommandLine(new IngestCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            return 1;
        });
        System.exit(cl.execute(args));
    }
}
