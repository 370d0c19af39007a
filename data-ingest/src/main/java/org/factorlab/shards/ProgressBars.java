package org.factorlab.shards;

import java.util.function.Consumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars that suit where the output goes. On a terminal: the usual bar, redrawn in place. Otherwise (output
 * redirected to a file, a pipe, a CI log): plain lines, one every {@value #PLAIN_INTERVAL_MS} ms and one at the end,
 * in ASCII, with no carriage returns and no colour codes.
 */
public final class ProgressBars {
    static final int PLAIN_INTERVAL_MS = 10_000;

    private ProgressBars() {
    }

    /** Configures {@code b} for this process's standard error (a terminal or not). */
    public static ProgressBarBuilder forStderr(ProgressBarBuilder b) {
        return configure(b, System.console() != null, System.err::println);
    }

    static ProgressBarBuilder configure(ProgressBarBuilder b, boolean terminal, Consumer<String> plainLines) {
        if (terminal) return b;
        return b.setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(PLAIN_INTERVAL_MS)
                .setConsumer(new DelegatingProgressBarConsumer(line -> plainLines.accept(line.strip())));
    }
}
