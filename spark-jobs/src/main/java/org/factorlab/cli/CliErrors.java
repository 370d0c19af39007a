package org.factorlab.cli;

import java.io.PrintWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.factorlab.ingest.InvalidInputException;
import org.factorlab.shards.CorruptShardException;
import org.factorlab.shards.DatasetConflictException;
import org.factorlab.shards.MissingDatasetException;
import picocli.CommandLine;

/**
 * How the command line reports a failure: one line a person can read, the stack trace only with {@code --verbose}
 * (or {@code -Dfactorlab.debug=true}). Spark wraps an executor's exception in "Job aborted due to stage failure: ..."
 * followed by the remote stack trace; the line names the problem inside instead (a corrupt shard by its file).
 */
public final class CliErrors {
    private static final Pattern SPARK_FAILURE =
            Pattern.compile("most recent failure: Lost task [^)]*\\)(?: \\([^)]*\\))?: (?:[\\w.$]+(?:Exception|Error): )?([^\\n]*)");

    private CliErrors() {
    }

    /** The picocli handler: prints {@code error: <one line>} (and the trace when asked), returns exit status 1. */
    public static int report(Exception ex, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText("error: " + oneLine(ex)));
        boolean verbose = Boolean.getBoolean("factorlab.debug")
                || (cmd.getParseResult() != null && cmd.getCommandSpec().findOption("--verbose") != null
                && cmd.getParseResult().hasMatchedOption("--verbose"));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return 1;
    }

    /** One line describing {@code ex}: a named data problem found anywhere in its causes wins over wrappers. */
    public static String oneLine(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause())
            if (t instanceof CorruptShardException || t instanceof MissingDatasetException
                    || t instanceof InvalidInputException || t instanceof DatasetConflictException)
                return firstLine(t.getMessage());
        if (!isSparkJobFailure(ex)) return ex.getMessage() == null ? ex.toString() : ex.getMessage();
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause())
            if (isSparkJobFailure(t)) {
                Throwable cause = t.getCause();
                if (cause != null && cause != t) return oneLine(cause);
                Matcher m = SPARK_FAILURE.matcher(t.getMessage());
                if (m.find()) return m.group(1).trim();
            }
        return firstLine(ex.getMessage());
    }

    private static boolean isSparkJobFailure(Throwable t) {
        return t.getMessage() != null && t.getMessage().contains("Job aborted due to stage failure");
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
