package org.factorlab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.UncheckedIOException;
import org.apache.spark.SparkException;
import org.factorlab.shards.CorruptShardException;
import org.junit.jupiter.api.Test;

class CliErrorsTest {
    private static final String TRACE = "\n\tat org.factorlab.shards.ShardDataset.readVerified(ShardDataset.java:300)\n"
            + "\tat org.apache.spark.rdd.RDD.iterator(RDD.scala:329)\n\nDriver stacktrace:\n\tat x.y(Z.scala:1)";

    @Test
    void sparkStageFailuresAreUnwrappedToTheShardError() {
        var corrupt = new CorruptShardException("file:/d", "part-00001.parquet", "SHA-256 abc, manifest says def");
        var spark = new SparkException("Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times, most recent "
                + "failure: Lost task 0.0 in stage 1.0 (TID 1) (localhost executor driver): java.io.UncheckedIOException: "
                + corrupt.getMessage() + TRACE, new UncheckedIOException(corrupt));
        assertEquals("dataset file:/d: shard part-00001.parquet is corrupt: SHA-256 abc, manifest says def",
                CliErrors.oneLine(new IllegalStateException("encoding failed", spark)));
    }

    @Test
    void withoutACauseTheFailureLineIsParsedFromTheMessage() {
        var spark = new SparkException("Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times, most recent "
                + "failure: Lost task 0.0 in stage 1.0 (TID 1) (localhost executor driver): java.lang.IllegalStateException: "
                + "dataset x changed during evaluation" + TRACE);
        assertEquals("dataset x changed during evaluation", CliErrors.oneLine(spark));
    }

    @Test
    void otherErrorsKeepTheirMessage() {
        assertEquals("--data: missing", CliErrors.oneLine(new IllegalArgumentException("--data: missing")));
    }
}
